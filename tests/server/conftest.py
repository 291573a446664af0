"""Fixtures: an app and its test client per test (memory store unless the
test asks for Redis), and one real redis-server per test session."""
from __future__ import annotations

import pytest
import redis

from server import create_app

from .servers import RedisServer, require_redis_server

# Settings every test app gets unless it overrides them: no warning about the
# secret, rate limits and a session cap no ordinary test reaches, a budget no
# test machine hits.
TEST_SETTINGS = {"SECRET_KEY": "test-secret", "RATE_LIMIT": "100000 per minute",
                 "ADDRESS_RATE_LIMIT": "1000000 per minute", "SESSIONS_PER_ADDRESS": "100000",
                 "ADVANCE_BUDGET_MS": "60000"}


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(require_redis_server(), tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server):
    """A Redis URL with an empty database."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    client.close()
    return redis_server.url


@pytest.fixture
def make_app():
    def make(**settings):
        return create_app({**TEST_SETTINGS, **{k: str(v) for k, v in settings.items()}})
    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(params=["memory", "redis"])
def any_app(request, make_app):
    """The same app on each store: session tests run against both."""
    if request.param == "redis":
        return make_app(REDIS_URL=request.getfixturevalue("redis_url"))
    return make_app()


@pytest.fixture(autouse=True)
def no_unexpected_errors(request, caplog):
    """Bad input must be answered by a handler, never by the catch-all 500."""
    yield
    if "expect_internal_error" in request.fixturenames:
        return
    unexpected = [r for r in caplog.get_records("call") if r.name == "server.errors"
                  and r.levelname == "ERROR"]
    assert not unexpected, f"the catch-all handled: {unexpected[0].exc_text or unexpected[0].message}"


@pytest.fixture
def expect_internal_error():
    """Requested by the one test that provokes the catch-all on purpose."""

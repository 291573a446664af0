"""The Redis store's bounds on real gunicorn and a real redis-server: a
request longer than the lock's TTL keeps its lock and its work; one address
is held to its live sessions; a full store refuses new sessions with 503 and
Retry-After while the sessions in it keep working."""
from __future__ import annotations

import threading
import time

import pytest
import redis

from .test_faults import LONG, SMALL_VIEW, Client, start_gunicorn

pytestmark = [pytest.mark.redis, pytest.mark.slow]


@pytest.fixture(scope="module")
def slow_lock_gunicorn(redis_server, tmp_path_factory):
    """A lock TTL far below what one advance may take (its budget)."""
    url = redis_server.url.rsplit("/", 1)[0] + "/4"
    redis.Redis.from_url(url).flushdb()
    server = start_gunicorn(tmp_path_factory.mktemp("lock"), "lock-gunicorn", REDIS_URL=url,
                            WEB_CONCURRENCY=2, ADVANCE_BUDGET_MS=1500, SESSION_LOCK_TTL_MS=200,
                            SESSION_LOCK_WAIT_MS=300)
    yield server
    server.stop()


def test_a_request_longer_than_the_lock_ttl_keeps_its_lock_and_its_work(slow_lock_gunicorn):
    first, second = Client(slow_lock_gunicorn.port), Client(slow_lock_gunicorn.port)
    try:
        sid = first.ok("POST", "/api/sessions", LONG, 201)["session"]
        answers: dict[str, tuple] = {}

        def long_advance():
            answers["long"] = first("POST", f"/api/sessions/{sid}/advance",
                                    {"epochs": 100, "view": SMALL_VIEW})

        started = time.monotonic()
        worker = threading.Thread(target=long_advance)
        worker.start()
        time.sleep(0.5)             # past the TTL: the first request is still training
        answers["tab"] = second("POST", f"/api/sessions/{sid}/advance",
                                {"steps": 1, "view": SMALL_VIEW})
        worker.join(60)
        status, body = answers["long"]
        assert status == 200, body
        assert time.monotonic() - started > 1.0          # it did hold the lock past its TTL
        tab_status, tab_body = answers["tab"]
        assert tab_status in (200, 409), tab_body
        done = body["advance"]["steps_done"] + (tab_body["advance"]["steps_done"]
                                                if tab_status == 200 else 0)
        final = first.ok("GET", f"/api/sessions/{sid}")["frame"]["counters"]
        assert done > 1 and final["step"] == done        # both kept, neither overwrote the other
    finally:
        first.close()
        second.close()

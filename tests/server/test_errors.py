"""One error shape for everything that is not a success, and no tracebacks."""
from __future__ import annotations

import pytest

SHAPE = {"error", "message", "field"}


@pytest.mark.parametrize("method, path, status, code", [
    ("GET", "/no/such/page", 404, "not_found"),
    ("GET", "/api/nothing", 404, "not_found"),
    ("DELETE", "/api/datasets", 405, "method_not_allowed"),
    ("PATCH", "/api/sessions", 405, "method_not_allowed"),
    ("GET", "/api/sessions/abcdefghijklmnopqrstuv", 404, "session_not_found"),
    ("GET", "/api/sessions/short", 404, "not_found"),        # cannot be a session id
    ("POST", "/api/sessions/..%2F..%2Fetc%2Fpasswd/advance", 404, "not_found"),
])
def test_http_errors_have_the_one_shape(client, method, path, status, code):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert set(response.json) == SHAPE and response.json["error"] == code
    assert response.json["field"] is None


def test_method_not_allowed_says_what_is(client):
    assert "GET" in client.delete("/api/datasets").headers["Allow"]


def test_import_is_not_taken_for_a_session_id(client):
    assert set(client.options("/api/sessions/import").headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    assert client.get("/api/sessions/import").status_code == 405


def test_an_unexpected_exception_is_a_plain_500_without_traceback(make_app, caplog,
                                                                  expect_internal_error):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals /etc/passwd")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.json == {"error": "internal", "message": "Something went wrong on the server.",
                             "field": None}
    assert b"Traceback" not in response.data and b"secret" not in response.data
    assert "X-Content-Type-Options" in response.headers
    assert any("unexpected error" in r.message and r.exc_info for r in caplog.records)


def test_store_down_is_503_with_a_clear_message(make_app):
    from .servers import free_port
    client = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
    response = client.post("/api/sessions", json={})
    assert response.status_code == 503
    assert response.json["error"] == "store_unavailable"
    assert "session store" in response.json["message"]
    assert set(response.json) == SHAPE
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["ok"] is False and health.json["store"] == "redis"
    assert client.get("/api/datasets").status_code == 200    # what needs no store still works


def test_redis_stopped_then_back_without_restarting_the_app(make_app, tmp_path):
    """Students playing when Redis goes away get 503 and /healthz says so; when
    it is back, the same app answers again (sessions were lost with Redis's
    memory: the page recreates them with 'resume')."""
    from .servers import RedisServer, require_redis_server
    redis = RedisServer(require_redis_server(), tmp_path).start()
    try:
        client = make_app(REDIS_URL=redis.url, RATE_LIMIT="100 per minute").test_client()
        sid = client.post("/api/sessions", json={"data": {"n": 30}}).json["session"]
        assert client.post(f"/api/sessions/{sid}/advance", json={"steps": 1}).status_code == 200
        redis.stop()
        response = client.post(f"/api/sessions/{sid}/advance", json={"steps": 1})
        assert response.status_code == 503 and response.json["error"] == "store_unavailable"
        assert response.headers["Retry-After"]
        assert client.get("/healthz").status_code == 503
        redis.start()
        assert client.get("/healthz").json == {"ok": True, "store": "redis"}
        assert client.post(f"/api/sessions/{sid}/advance", json={"steps": 1}).status_code == 404
        assert client.post("/api/sessions", json={"data": {"n": 30}}).status_code == 201
    finally:
        redis.stop()

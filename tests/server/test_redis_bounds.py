"""The Redis store's bounds on real gunicorn and a real redis-server: a
request longer than the lock's TTL keeps its lock and its work; one address
is held to its live sessions; a full store refuses new sessions with 503 and
Retry-After while the sessions in it keep working."""
from __future__ import annotations

import http.client
import json
import threading
import time

import pytest
import redis

from .test_faults import LONG, SMALL_VIEW, Client, start_gunicorn

pytestmark = [pytest.mark.redis, pytest.mark.slow]

STORE_MB, SESSION_KB, PER_ADDRESS = 1, 150, 3
# 5,000 points and 100 hidden units: about 90 KB stored; 10,000 points: about 180 KB.
BIG = {"data": {"source": "generated", "name": "spiral_k", "n": 5000, "classes": 3,
                "val_share": 0.1, "seed": 2}, "network": {"hidden": [100]}, "view": {"grid": 10}}
TOO_BIG = {**BIG, "data": {**BIG["data"], "n": 10_000}}


@pytest.fixture(scope="module")
def redis_db(redis_server):
    url = redis_server.url.rsplit("/", 1)[0] + "/4"
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url, client
    client.close()


@pytest.fixture(scope="module")
def bounded_gunicorn(redis_db, tmp_path_factory):
    """A lock TTL far below what one advance may take (its budget), a small
    store, and client addresses told apart by X-Forwarded-For."""
    server = start_gunicorn(tmp_path_factory.mktemp("bounds"), "bounds-gunicorn",
                            REDIS_URL=redis_db[0], WEB_CONCURRENCY=2, TRUST_PROXY_HOPS=1,
                            ADVANCE_BUDGET_MS=3000, SESSION_LOCK_TTL_MS=1000,
                            SESSION_LOCK_WAIT_MS=300, REDIS_STORE_MB=STORE_MB,
                            SESSION_MAX_KB=SESSION_KB, SESSIONS_PER_ADDRESS=PER_ADDRESS)
    yield server
    server.stop()


def call(server, method: str, path: str, body: dict | None, address: str):
    """One request as if from ``address``: (status, headers, parsed body)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request(method, path, None if body is None else json.dumps(body),
                     {"Content-Type": "application/json", "X-Forwarded-For": address})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read() or b"null")
    finally:
        conn.close()


def stored_bytes(client) -> int:
    return int(client.get("crease:bytes") or 0)


def test_a_request_longer_than_the_lock_ttl_keeps_its_lock_and_its_work(bounded_gunicorn):
    first, second = Client(bounded_gunicorn.port), Client(bounded_gunicorn.port)
    try:
        # one point a step: 100 epochs are far more than the 3 s budget on any machine
        slow = {**LONG, "training": {**LONG["training"], "batch_size": 1}}
        sid = first.ok("POST", "/api/sessions", slow, 201)["session"]
        answers: dict[str, tuple] = {}

        def long_advance():
            answers["long"] = first("POST", f"/api/sessions/{sid}/advance",
                                    {"epochs": 100, "view": SMALL_VIEW})

        started = time.monotonic()
        worker = threading.Thread(target=long_advance)
        worker.start()
        time.sleep(1.5)             # past the TTL: the first request is still training
        answers["tab"] = second("POST", f"/api/sessions/{sid}/advance",
                                {"steps": 1, "view": SMALL_VIEW})
        worker.join(60)
        status, body = answers["long"]
        assert status == 200, body
        assert time.monotonic() - started > 2.0          # it did hold the lock past its TTL
        tab_status, tab_body = answers["tab"]
        assert tab_status in (200, 409), tab_body
        done = body["advance"]["steps_done"] + (tab_body["advance"]["steps_done"]
                                                if tab_status == 200 else 0)
        final = first.ok("GET", f"/api/sessions/{sid}")["frame"]["counters"]
        assert done > 1 and final["step"] == done        # both kept, neither overwrote the other
    finally:
        first.close()
        second.close()


def test_one_client_creating_big_sessions_is_held_to_its_caps(bounded_gunicorn, redis_db):
    address = "10.1.0.1"
    answers = [call(bounded_gunicorn, "POST", "/api/sessions", BIG, address) for _ in range(5)]
    assert [a[0] for a in answers] == [201] * PER_ADDRESS + [429] * 2
    status, headers, body = answers[-1]
    assert body["error"] == "too_many_sessions" and "SESSIONS_PER_ADDRESS" in body["message"]
    assert 1 <= int(headers["Retry-After"]) <= 60
    status, _, body = call(bounded_gunicorn, "POST", "/api/sessions", TOO_BIG, "10.1.0.2")
    assert status == 413 and body["error"] == "session_too_large" and "SESSION_MAX_KB" in body["message"]
    assert stored_bytes(redis_db[1]) <= (PER_ADDRESS + 1) * SESSION_KB * 1024   # + the lock test's
    sid = answers[0][2]["session"]                  # a session made, and one gone, frees a place
    assert call(bounded_gunicorn, "DELETE", f"/api/sessions/{sid}", None, address)[0] == 204
    assert call(bounded_gunicorn, "POST", "/api/sessions", BIG, address)[0] == 201


def test_a_full_store_answers_503_and_its_sessions_keep_working(bounded_gunicorn, redis_db):
    redis_client = redis_db[1]
    made, refused = [], None
    for k in range(30):
        status, headers, body = call(bounded_gunicorn, "POST", "/api/sessions", BIG, f"10.2.0.{k}")
        if status != 201:
            refused = (status, headers, body)
            break
        made.append((f"10.2.0.{k}", body["session"]))
    assert refused is not None and len(made) >= 3, len(made)
    status, headers, body = refused
    assert status == 503 and body["error"] == "store_full", body
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert stored_bytes(redis_client) <= 0.9 * STORE_MB * 1024 * 1024
    used = redis_client.info("memory")["used_memory"]
    assert used < 8 * STORE_MB * 1024 * 1024       # an empty Redis is about 1 MB
    for address, sid in made:
        status, _, body = call(bounded_gunicorn, "POST", f"/api/sessions/{sid}/advance",
                               {"steps": 2, "view": SMALL_VIEW}, address)
        assert status == 200 and body["counters"]["step"] == 2, body
        assert call(bounded_gunicorn, "GET", f"/api/sessions/{sid}", None, address)[0] == 200
    assert call(bounded_gunicorn, "POST", "/api/sessions", BIG, "10.2.1.1")[0] == 503


def test_an_address_at_its_cap_is_refused_before_any_work(make_app, redis_url):
    """The cap is checked before the run is built: a create that would also
    fail later (too many parameters) is answered 429, not 400."""
    client = make_app(REDIS_URL=redis_url, SESSIONS_PER_ADDRESS=1).test_client()
    assert client.post("/api/sessions", json={"data": {"n": 20}}).status_code == 201
    too_big = client.post("/api/sessions", json={"network": {"hidden": [256] * 8}})
    assert too_big.status_code == 429 and too_big.json["error"] == "too_many_sessions"


def test_a_full_store_is_refused_before_any_work(make_app, redis_url):
    client = make_app(REDIS_URL=redis_url, REDIS_STORE_MB=1).test_client()
    redis.Redis.from_url(redis_url).set("crease:bytes", 1024 * 1024)   # full, as far as the app knows
    too_big = client.post("/api/sessions", json={"network": {"hidden": [256] * 8}})
    assert too_big.status_code == 503 and too_big.json["error"] == "store_full"

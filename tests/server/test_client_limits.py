"""Rate limits on real gunicorn (two workers counting together in a real
Redis): one address with twelve sessions is held to its address's budget,
and a flood of malformed creates from one client behind the class's address
leaves the classmates' creates answered."""
from __future__ import annotations

import itertools
import threading

import pytest
import redis

from server.security import COSTS

from .test_faults import SMALL_VIEW, start_gunicorn
from .test_redis_bounds import call

pytestmark = [pytest.mark.redis, pytest.mark.slow]

SMALL = {"data": {"n": 20}, "network": {"hidden": [2]}, "view": {"grid": 4}}
SESSIONS, ADVANCES, CLASSMATE_CREATES = 12, 30, 16   # 16 creates fit in BUDGET
BUDGET = SESSIONS * COSTS["api.create_session"] + ADVANCES * COSTS["api.advance"]
MALFORMED = [b'{"data": {"n": "lots"}}', b'{"data": ', b'{"network": {"hidden": [1e9]}}',
             b'{"nonsense": 1}', b'[]']


@pytest.fixture(scope="module")
def limited_gunicorn(redis_server, tmp_path_factory):
    url = redis_server.url.rsplit("/", 1)[0] + "/5"
    redis.Redis.from_url(url).flushdb()
    server = start_gunicorn(tmp_path_factory.mktemp("limits"), "limits-gunicorn", REDIS_URL=url,
                            WEB_CONCURRENCY=2, TRUST_PROXY_HOPS=1, SESSIONS_PER_ADDRESS=1000,
                            RATE_LIMIT=f"{CLASSMATE_CREATES * 3} per minute",
                            ADDRESS_RATE_LIMIT=f"{BUDGET} per minute")
    yield server
    server.stop()


def in_threads(count: int, work) -> None:
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)


def test_one_address_with_twelve_sessions_is_held_to_its_budget(limited_gunicorn):
    address = "10.3.0.1"
    sids = [call(limited_gunicorn, "POST", "/api/sessions", SMALL, address)[2]["session"]
            for _ in range(SESSIONS)]
    statuses: list[int] = []

    def tab(i: int) -> None:
        for sid in sids[i::4] * 6:
            statuses.append(call(limited_gunicorn, "POST", f"/api/sessions/{sid}/advance",
                                 {"steps": 1, "view": SMALL_VIEW}, address)[0])

    in_threads(4, tab)
    assert len(statuses) == SESSIONS * 6 and set(statuses) <= {200, 429}
    # four requests in flight may each pass the check before any is charged
    assert ADVANCES <= statuses.count(200) <= ADVANCES + 3, statuses.count(200)
    assert call(limited_gunicorn, "POST", "/api/sessions", SMALL, "10.3.0.2")[0] == 201


def test_a_flood_of_malformed_creates_leaves_classmates_their_creates(limited_gunicorn):
    address = "10.4.0.1"          # the class's NAT: the flooder and the classmates
    done = threading.Event()
    classmates: list[int] = []
    flood: list[int] = []

    def flooder(i: int) -> None:
        for body in itertools.cycle(MALFORMED):
            if done.is_set():
                return
            flood.append(raw_create(limited_gunicorn, body, address))

    def classmate(i: int) -> None:
        for _ in range(CLASSMATE_CREATES // 2):
            classmates.append(call(limited_gunicorn, "POST", "/api/sessions", SMALL, address)[0])

    flooders = [threading.Thread(target=flooder, args=(i,)) for i in range(3)]
    for t in flooders:
        t.start()
    in_threads(2, classmate)
    done.set()
    for t in flooders:
        t.join(60)
    assert len(flood) > 2 * CLASSMATE_CREATES and set(flood) <= {400, 429}
    assert len(classmates) == CLASSMATE_CREATES
    assert classmates.count(201) >= 0.95 * CLASSMATE_CREATES, classmates


def raw_create(server, body: bytes, address: str) -> int:
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request("POST", "/api/sessions", body,
                     {"Content-Type": "application/json", "X-Forwarded-For": address})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()

"""At most one heavy request per address and per session in flight (heavy.py):
the decisions in process, on both stores, and a classmate's light request
on real gunicorn while four of the heaviest allowed requests run."""
from __future__ import annotations

import http.client
import json
import threading
import time

import numpy as np
import pytest
import redis

from .cases import SMALL
from .servers import Gunicorn
from .test_cost import HEAVY, HEAVY_VIEW

MEDIUM = {"data": {"source": "generated", "name": "circle", "n": 400},
          "network": {"hidden": [256, 256]}, "view": {"grid": 10}}
HEAVY_FRAME = {"view": {"grid": 200, "include": ["curves"]}}   # estimated past 100 ms
LIGHT_FRAME = {"view": {"grid": 10}}


def create(client, body=MEDIUM) -> str:
    response = client.post("/api/sessions", json=body)
    assert response.status_code == 201, response.json
    return response.json["session"]


def hold(app, key: str) -> str:
    token = app.extensions["crease_heavy"].take(key, 60_000)
    assert token is not None
    return token


@pytest.fixture(params=["memory", "redis"])
def any_app(request, make_app):
    """The default budgets and rate limit (whose own Retry-After must not win)."""
    settings = {"ADVANCE_BUDGET_MS": 250, "RATE_LIMIT": "60 per second;3000 per minute"}
    if request.param == "redis":
        settings["REDIS_URL"] = request.getfixturevalue("redis_url")
    return make_app(**settings)


def test_a_heavy_request_waits_its_turn_behind_one_of_its_address(any_app):
    client = any_app.test_client()
    sid = create(client)
    hold(any_app, "a:127.0.0.1:0")
    refused = client.post(f"/api/sessions/{sid}/advance", json={"steps": 5, **HEAVY_FRAME})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.json["error"] == "heavy_in_flight" and "from this address" in refused.json["message"]
    assert client.post(f"/api/sessions/{sid}/frame", json=LIGHT_FRAME).status_code == 200
    elsewhere = client.post(f"/api/sessions/{sid}/frame", json=HEAVY_FRAME,
                            environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert elsewhere.status_code == 200
    # the refused advance did nothing
    answer = client.get(f"/api/sessions/{sid}", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert answer.json["frame"]["counters"]["step"] == 0


def test_a_heavy_request_waits_its_turn_behind_one_of_its_session(any_app):
    client = any_app.test_client()
    sid, other = create(client), create(client)
    hold(any_app, f"s:{sid}")
    refused = client.post(f"/api/sessions/{sid}/frame", json=HEAVY_FRAME,
                          environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert refused.status_code == 429 and "on this session" in refused.json["message"]
    assert client.post(f"/api/sessions/{other}/frame", json=HEAVY_FRAME).status_code == 200


def test_slots_are_given_back_when_the_request_ends(any_app):
    client = any_app.test_client()
    sid = create(client)
    for _ in range(2):
        assert client.post(f"/api/sessions/{sid}/frame", json=HEAVY_FRAME).status_code == 200
    refused = client.post(f"/api/sessions/{sid}/advance", json={"steps": 1, "training": 1})
    assert refused.status_code == 400   # an error answer gives its slots back too
    slots = any_app.extensions["crease_heavy"]
    for key in ("a:127.0.0.1:0", f"s:{sid}"):
        token = slots.take(key, 1000)
        assert token is not None
        slots.give_back(key, token)


def test_an_address_may_have_more_heavy_requests_when_the_operator_says_so(make_app):
    app = make_app(HEAVY_PER_ADDRESS=2)
    client = app.test_client()
    sid = create(client)
    hold(app, "a:127.0.0.1:0")
    assert client.post(f"/api/sessions/{sid}/frame", json=HEAVY_FRAME).status_code == 200
    hold(app, "a:127.0.0.1:1")
    assert client.post(f"/api/sessions/{sid}/frame", json=HEAVY_FRAME).status_code == 429


def test_a_worker_runs_heavy_requests_on_half_its_threads_at_most(make_app):
    app = make_app(THREADS=4)
    client = app.test_client()
    sid = create(client)
    here = app.extensions["crease_heavy_here"]
    assert here.acquire(blocking=False) and here.acquire(blocking=False)   # two students
    refused = client.post(f"/api/sessions/{sid}/frame", json=HEAVY_FRAME)
    assert refused.status_code == 429 and "as many heavy requests" in refused.json["message"]
    assert client.post(f"/api/sessions/{sid}/frame", json=LIGHT_FRAME).status_code == 200
    here.release()
    assert client.post(f"/api/sessions/{sid}/frame", json=HEAVY_FRAME).status_code == 200


def test_light_requests_take_no_slot(any_app):
    client = any_app.test_client()
    sid = create(client, SMALL)
    hold(any_app, "a:127.0.0.1:0")
    hold(any_app, f"s:{sid}")
    for body in ({"steps": 1}, {"epochs": 2}):
        assert client.post(f"/api/sessions/{sid}/advance", json=body).status_code == 200


def test_experiment_results_and_chunks_are_heavy_requests_too(make_app):
    app = make_app(ADVANCE_BUDGET_MS=250)
    client = app.test_client()
    body = {"data": {"source": "generated", "name": "clusters", "n": 8},
            "architectures": [[256, 256]] * 4, "epochs": 1, "trials": 1}
    eid = client.post("/api/experiments", json=body).json["experiment"]
    hold(app, "a:127.0.0.1:0")
    assert client.post(f"/api/experiments/{eid}/advance", json={"part": 0}).status_code == 429
    assert client.get(f"/api/experiments/{eid}/results?grid=200").status_code == 429
    # reading back 4 parts' best and worst 66,306-parameter trials is heavy at any grid
    assert client.get(f"/api/experiments/{eid}/results?grid=10").status_code == 429
    elsewhere = client.get(f"/api/experiments/{eid}/results?grid=10",
                           environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert elsewhere.status_code == 200


# ---- real gunicorn ---------------------------------------------------------------------

class Client:
    """JSON over one keep-alive connection, from the address ``address`` (the
    server trusts one proxy hop, so X-Forwarded-For is the client's address)."""

    def __init__(self, port: int, address: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.address = address

    def __call__(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        self.conn.request(method, path, json.dumps(body or {}),
                          {"Content-Type": "application/json", "X-Forwarded-For": self.address})
        response = self.conn.getresponse()
        self.retry_after = float(response.getheader("Retry-After") or 0)
        self.server_timing = response.getheader("Server-Timing")
        return response.status, json.loads(response.read() or b"null")

    def close(self) -> None:
        self.conn.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def server(request, tmp_path):
    """1 worker x 4 threads on the memory store, or 2 workers x 4 threads on Redis;
    the default budgets.  A lock that outlives a request slowed down by a
    loaded test machine (keeping a lock alive is not what this tests)."""
    env = {"SECRET_KEY": "test", "LOG_LEVEL": "WARNING", "RATE_LIMIT": "", "THREADS": "4",
           "TRUST_PROXY_HOPS": "1", "ADVANCE_BUDGET_MS": "250", "FRAME_BUDGET_MS": "250",
           "SESSION_LOCK_TTL_MS": "30000"}
    if request.param == "redis":
        url = request.getfixturevalue("redis_server").url.rsplit("/", 1)[0] + "/4"
        redis.Redis.from_url(url).flushdb()
        env.update(REDIS_URL=url, WEB_CONCURRENCY="2")
    else:
        env.update(WEB_CONCURRENCY="1")
    gunicorn = Gunicorn(env, tmp_path / "gunicorn.log").start(timeout=60)
    yield gunicorn
    gunicorn.stop()


@pytest.mark.slow
def test_a_light_advance_answers_within_a_second_while_four_heavy_requests_run(server):
    """The issue: 4 heavy frames on the memory store made a classmate's
    1-step advance wait 32.3 s (60.8 s on Redis).  Now four students (four
    addresses, four sessions) keep the heaviest requests the budgets allow in
    flight (advance 100 epochs with every extra at grid 200 on the biggest
    network and data), and the classmate's p99 over 20 tries is under 1 s."""
    heavy = [Client(server.port, f"10.0.0.{i + 1}") for i in range(4)]
    sids = [None] * 4

    def make(i: int) -> None:
        status = 429
        while status == 429:   # creating one is heavy too
            status, answer = heavy[i]("POST", "/api/sessions", {**HEAVY, "view": {"grid": 10}})
            time.sleep(heavy[i].retry_after)
        assert status == 201, answer
        sids[i] = answer["session"]

    makers = [threading.Thread(target=make, args=(i,)) for i in range(4)]
    for t in makers:
        t.start()
    for t in makers:
        t.join()
    assert all(sids)

    stop, answers = threading.Event(), [[] for _ in range(4)]

    def student(i: int) -> None:
        while not stop.is_set():
            status, frame = heavy[i]("POST", f"/api/sessions/{sids[i]}/advance",
                                     {"epochs": 100, "view": HEAVY_VIEW})
            answers[i].append((status, frame))
            if status == 429:   # as the page does: wait Retry-After, then ask again
                stop.wait(heavy[i].retry_after)

    classmate = Client(server.port, "10.0.1.1")
    status, created = classmate("POST", "/api/sessions", {**SMALL, "view": {"grid": 20}})
    assert status == 201
    sid = created["session"]
    students = [threading.Thread(target=student, args=(i,)) for i in range(4)]
    for t in students:
        t.start()
    try:
        time.sleep(1.0)   # every student has a heavy request in flight
        seconds, timings = [], []
        for _ in range(20):
            start = time.perf_counter()
            status, frame = classmate("POST", f"/api/sessions/{sid}/advance",
                                      {"steps": 1, "view": {"grid": 20}})
            seconds.append(time.perf_counter() - start)
            timings.append((seconds[-1], classmate.server_timing))
            assert status == 200 and frame["degraded"] is None
            time.sleep(0.05)
    finally:
        stop.set()
        for t in students:
            t.join()
        for c in (*heavy, classmate):
            c.close()
    # the students' requests ran all along, each the heaviest its budgets allow,
    # or waited their turn
    assert sum(status == 200 for mine in answers for status, _ in mine) >= 2
    for status, frame in (answer for mine in answers for answer in mine):
        assert status in (200, 429), frame
        if status == 200:
            assert frame["degraded"] is not None and frame["advance"]["partial"] is True
        else:
            assert frame["error"] == "heavy_in_flight"
    p99 = float(np.percentile(seconds, 99))
    print(f"classmate's advance p99 {p99:.3f} s; heavy answers "
          f"{[[status for status, _ in mine] for mine in answers]}, slowest {max(timings)}")
    assert p99 < 1.0, f"classmate's advance: p99 {p99:.2f} s, all {sorted(seconds)}"


def test_experiments_whose_stored_parts_are_big_are_heavy_to_create_and_read(make_app):
    """32 parts of 10,000 points: 0.56 s of CPU to store as JSON, 0.18 s to read back."""
    app = make_app()
    client = app.test_client()
    body = {"data": {"source": "generated", "name": "clusters", "n": 10_000},
            "architectures": [[8]] * 8, "epochs": 1, "trials": 4, "batch_size": 1000}
    hold(app, "a:127.0.0.1:0")
    assert client.post("/api/experiments", json=body).status_code == 429
    small = {**body, "data": {"source": "generated", "name": "clusters", "n": 100}}
    created = client.post("/api/experiments", json=small)
    assert created.status_code == 201
    assert client.get(f"/api/experiments/{created.json['experiment']}").status_code == 200
    eid = client.post("/api/experiments", json=body,
                      environ_base={"REMOTE_ADDR": "10.1.2.3"}).json["experiment"]
    assert client.get(f"/api/experiments/{eid}").status_code == 429

"""Faults on real processes: real gunicorn, real redis-server, real signals.

- a worker killed with SIGKILL in the middle of a request: the session goes on
  from its last committed step, exactly (the same requests on an in-process
  app give the same counters and float64 weights);
- Redis stopped while students play: 503 with a clear message, /healthz 503;
  Redis back on the same port: the sessions go on (with its data) or are
  recreated by ``resume`` (without), and the app was never restarted;
- a flood of sessions on the memory store: the store stays in its bound, the
  least recently used sessions go first, the worker stays up and its memory
  stops growing;
- a request far beyond the time budget: cut, a partial frame, no worker timeout;
- two clients on one session: every step counted once.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time

import numpy as np
import pytest
import redis

from bench.procstat import TICKS, children, cpu_ticks, rss_bytes
from server.config import Config

from . import framedecode
from .servers import Gunicorn, RedisServer, require_redis_server

pytestmark = [pytest.mark.redis, pytest.mark.slow]

# A run big enough that one request can train for seconds (2000 points, 64-64).
LONG = {"data": {"source": "generated", "name": "spiral_k", "n": 2000, "classes": 3,
                 "val_share": 0.1, "seed": 2},
        "network": {"hidden": [64, 64]}, "training": {"lr": 0.05, "batch_size": 10}, "seed": 5,
        "view": {"grid": 20}}
SMALL_VIEW = {"grid": 10}
# 10,000 points: 100 epochs are 90,000 steps, seconds of training on any machine.
HUGE = {**LONG, "data": {**LONG["data"], "n": 10_000}}


class Client:
    """JSON over one keep-alive connection; answers (status, parsed body or None)."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def __call__(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, None if body is None else json.dumps(body),
                              {"Content-Type": "application/json"})
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.getheader("Content-Type", "").startswith("application/json") and data:
            return response.status, json.loads(data)
        return response.status, None

    def ok(self, method: str, path: str, body: dict | None = None, status: int = 200) -> dict:
        got, answer = self(method, path, body)
        assert got == status, (method, path, got, answer)
        return answer

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@pytest.fixture
def connect():
    """Clients that are closed when the test ends."""
    made: list[Client] = []

    def make(server: Gunicorn, timeout: float = 30) -> Client:
        made.append(Client(server.port, timeout))
        return made[-1]
    yield make
    for client in made:
        client.close()


def advance(client, sid: str, **amount) -> dict:
    return client.ok("POST", f"/api/sessions/{sid}/advance", {**amount, "view": SMALL_VIEW})


def weights_of(export: dict) -> list[np.ndarray]:
    """Every W and W0 of a session export (float64, exact)."""
    return [np.array(a) for layer in export["weights"] for a in (layer["W"], layer["W0"])]


def workers_of(server: Gunicorn) -> set[int]:
    return set(children(server.proc.pid))


def busy_one(pids: set[int], window: float = 0.4) -> int | None:
    """The one of ``pids`` that spent at least a quarter of ``window`` on the CPU
    (a worker training), else None."""
    before = {p: cpu_ticks(p) or 0 for p in pids}
    time.sleep(window)
    used = {p: (cpu_ticks(p) or 0) - before[p] for p in pids}
    pid = max(used, key=used.get)
    return pid if used[pid] >= window / 4 * TICKS else None


def wait_until(predicate, timeout: float, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def start_gunicorn(tmp_path, name: str, **env) -> Gunicorn:
    settings = {"SECRET_KEY": "test", "LOG_LEVEL": "WARNING", "RATE_LIMIT": "",
                "THREADS": "2", **{k: str(v) for k, v in env.items()}}
    return Gunicorn(settings, tmp_path / f"{name}.log").start(timeout=60)


@pytest.fixture(scope="module")
def redis_gunicorn(redis_server, tmp_path_factory):
    """Two workers on the shared redis-server (its database 3), a budget no
    request reaches (a killed one must still be training), and a lock that a
    dead worker's request gives up after 3 s.  Its clients all come from one
    address, as several students' tabs: room for their heavy requests."""
    url = redis_server.url.rsplit("/", 1)[0] + "/3"
    redis.Redis.from_url(url).flushdb()
    server = start_gunicorn(tmp_path_factory.mktemp("faults"), "redis-gunicorn", REDIS_URL=url,
                            WEB_CONCURRENCY=2, ADVANCE_BUDGET_MS=20000, SESSION_LOCK_TTL_MS=3000,
                            SESSION_LOCK_WAIT_MS=10000, THREADS=4, HEAVY_PER_ADDRESS=8)
    yield server
    server.stop()


# ---- a worker killed mid-request -----------------------------------------------------

def test_sigkill_of_the_worker_mid_request_loses_only_that_request(redis_gunicorn, make_app, connect):
    client, replica = connect(redis_gunicorn), make_app().test_client()
    sid = client.ok("POST", "/api/sessions", HUGE, 201)["session"]
    twin = replica.post("/api/sessions", json=HUGE).json["session"]
    for amount in ({"steps": 7}, {"epochs": 1}):
        served = advance(client, sid, **amount)
        mirrored = replica.post(f"/api/sessions/{twin}/advance", json={**amount, "view": SMALL_VIEW}).json
        assert served["counters"] == mirrored["counters"]
    committed = served["counters"]["step"]
    workers = workers_of(redis_gunicorn)
    assert len(workers) == 2

    outcome, doomed = {}, connect(redis_gunicorn)

    def long_request():
        try:
            outcome["answer"] = doomed("POST", f"/api/sessions/{sid}/advance",
                                       {"epochs": 100, "view": SMALL_VIEW})
        except (OSError, http.client.HTTPException) as e:
            outcome["error"] = e

    thread = threading.Thread(target=long_request)
    thread.start()
    victim = wait_until(lambda: busy_one(workers), 10)
    assert victim, "no worker started training"
    os.kill(victim, signal.SIGKILL)
    thread.join(30)
    assert "error" in outcome, f"the request survived its worker: {outcome}"

    # The next request (on a new connection: the old one may have gone with the
    # worker) waits out the dead request's lock and goes on from the last commit.
    client.close()
    after = advance(client, sid, steps=5)
    assert after["counters"]["step"] == committed + 5
    mirrored = replica.post(f"/api/sessions/{twin}/advance", json={"steps": 5, "view": SMALL_VIEW}).json
    assert after["counters"] == mirrored["counters"]
    served = weights_of(client.ok("GET", f"/api/sessions/{sid}/export?format=json"))
    expected = weights_of(replica.get(f"/api/sessions/{twin}/export?format=json").json)
    assert len(served) == 6 and all(np.array_equal(a, b) for a, b in zip(served, expected))

    # gunicorn replaced the worker; both serve again.
    def replaced() -> bool:
        now = workers_of(redis_gunicorn)
        return len(now) == 2 and victim not in now
    assert wait_until(replaced, 15)
    for _ in range(6):
        advance(client, sid, steps=1)
    assert client.ok("GET", f"/api/sessions/{sid}")["frame"]["counters"]["step"] == committed + 11


# ---- two clients on one session ------------------------------------------------------

def test_two_clients_on_one_session_count_every_step_once(redis_gunicorn, connect):
    sid = connect(redis_gunicorn).ok("POST", "/api/sessions", LONG, 201)["session"]
    plans = [[{"steps": s} for s in (1, 3, 5, 2, 4) * 4],
             [{"steps": s} if s % 2 else {"epochs": 1} for s in (2, 7, 1, 6, 3) * 4]]
    answers: list[dict] = []
    failures: list = []

    def tab(plan, client):
        for amount in plan:
            status, body = client("POST", f"/api/sessions/{sid}/advance",
                                  {**amount, "view": SMALL_VIEW})
            (answers if status == 200 else failures).append(body if status == 200 else (status, body))

    threads = [threading.Thread(target=tab, args=(plan, connect(redis_gunicorn))) for plan in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failures, failures[:3]
    final = connect(redis_gunicorn).ok("GET", f"/api/sessions/{sid}")["frame"]["counters"]
    done = [a["advance"]["steps_done"] for a in answers]
    assert len(answers) == 40 and final["step"] == sum(done)
    # Requests were applied one after another: each began where another ended.
    spans = sorted((a["counters"]["step"] - a["advance"]["steps_done"], a["counters"]["step"])
                   for a in answers)
    assert spans[0][0] == 0 and all(prev[1] == nxt[0] for prev, nxt in zip(spans, spans[1:]))
    steps_asked = sum(a["advance"]["requested"].get("steps", 0) for a in answers)
    assert steps_asked == sum(s["steps"] for plan in plans for s in plan if "steps" in s)
    assert all(not a["advance"]["partial"] for a in answers)
    for a in answers:
        if "steps" in a["advance"]["requested"]:
            assert a["advance"]["steps_done"] == a["advance"]["requested"]["steps"]


# ---- Redis goes away and comes back ----------------------------------------------------

@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, which the test stops and starts."""
    server = RedisServer(require_redis_server(), tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def outage_gunicorn(own_redis, tmp_path):
    """Two workers on ``own_redis``, with the default rate limit (kept in Redis too)."""
    server = start_gunicorn(tmp_path, "outage-gunicorn", REDIS_URL=own_redis.url, WEB_CONCURRENCY=2,
                            RATE_LIMIT=Config().rate_limit, ADDRESS_RATE_LIMIT="100000 per minute")
    yield server
    server.stop()


class Player(threading.Thread):
    """A student's tab: advances one session until told to stop, noting every answer."""

    def __init__(self, port: int, sid: str):
        super().__init__(daemon=True)
        self.client, self.sid = Client(port, timeout=10), sid
        self.go, self.halt = threading.Event(), threading.Event()
        self.answers: list[tuple[int, dict | None]] = []

    def run(self) -> None:
        while not self.halt.is_set():
            if not self.go.wait(0.05):
                continue
            try:
                answer = self.client("POST", f"/api/sessions/{self.sid}/advance",
                                     {"steps": 2, "view": SMALL_VIEW})
            except (OSError, http.client.HTTPException) as e:
                answer = (0, {"exception": repr(e)})
            self.answers.append(answer)
            time.sleep(0.02)
        self.client.close()

    def pause(self) -> int:
        """Stop after the request in flight; the step of the last frame it got."""
        self.go.clear()
        time.sleep(0.3)
        return max((a[1]["counters"]["step"] for a in self.answers if a[0] == 200), default=0)


def test_redis_outage_answers_503_and_sessions_go_on_when_it_is_back(own_redis, outage_gunicorn,
                                                                    connect):
    client = connect(outage_gunicorn)
    sids = [client.ok("POST", "/api/sessions", LONG, 201)["session"] for _ in range(3)]
    players = [Player(outage_gunicorn.port, sid) for sid in sids[:2]]
    for p in players:
        p.start()
        p.go.set()
    time.sleep(1.0)
    held = [p.pause() for p in players]
    assert all(s > 0 for s in held)
    redis.Redis.from_url(own_redis.url).save()        # what Redis will load when it restarts
    own_redis.stop()

    for p in players:                                  # the students go on clicking
        p.answers.clear()
        p.go.set()
    status, answer = client("POST", f"/api/sessions/{sids[2]}/advance", {"steps": 1})
    assert status == 503 and answer["error"] == "store_unavailable"
    assert "session store" in answer["message"] and set(answer) == {"error", "message", "field"}
    status, health = client("GET", "/healthz")
    assert status == 503 and health["ok"] is False and health["store"] == "redis"
    assert client("POST", "/api/sessions", LONG)[0] == 503
    assert client("GET", "/api/datasets")[0] == 200    # what needs no store still answers
    time.sleep(1.0)
    for p in players:
        p.pause()
    during = [a for p in players for a in p.answers]
    assert during and {a[0] for a in during} == {503}, {a[0] for a in during}

    own_redis.start()                                  # same port, same data directory
    assert wait_until(lambda: client("GET", "/healthz")[0] == 200, 10)
    for p in players:
        p.answers.clear()
    for sid, step in zip(sids, held + [None]):
        frame = advance(client, sid, steps=3)
        if step is not None:
            assert frame["counters"]["step"] == step + 3   # from the last committed step
    for p in players:
        p.go.set()
    time.sleep(1.0)
    for p in players:
        p.pause()
        p.halt.set()
        p.join(10)
    assert {a[0] for p in players for a in p.answers} == {200}


def test_sessions_lost_with_redis_are_recreated_by_resume(own_redis, outage_gunicorn, connect):
    """A Redis restarted empty: the page's resume (its last frame's weights,
    counters and history) makes a new session that goes on from there."""
    client = connect(outage_gunicorn)
    created = client.ok("POST", "/api/sessions", LONG, 201)
    sid, points = created["session"], created["frame"]["points"]
    frame = advance(client, sid, epochs=2)
    own_redis.stop()
    assert client("POST", f"/api/sessions/{sid}/advance", {"steps": 1})[0] == 503
    own_redis.start()
    status, gone = client("POST", f"/api/sessions/{sid}/advance", {"steps": 1})
    assert status == 404 and gone["error"] == "session_not_found"

    weights = [{"W": W.tolist(), "W0": W0.tolist()} for W, W0 in framedecode.weights(frame)]
    history = {k: v for k, v in frame["history"].items() if k != "from_epoch"}
    body = {**LONG, "data": {"source": "points", **points},
            "resume": {"weights": weights, "step": frame["counters"]["step"],
                       "epoch": frame["counters"]["epoch"], "history": history}}
    again = client.ok("POST", "/api/sessions", body, 201)
    assert again["frame"]["resumed"] is True
    assert again["frame"]["counters"]["step"] == frame["counters"]["step"]
    assert again["frame"]["weights"] == frame["weights"]       # the run's exact weights in and out
    assert again["frame"]["history"]["epoch"] == [1, 2]
    later = advance(client, again["session"], steps=4)
    assert later["counters"]["step"] == frame["counters"]["step"] + 4


# ---- the memory store under a flood; a request beyond the budget -------------------------

@pytest.fixture(scope="module")
def memory_gunicorn(tmp_path_factory):
    """The memory store (one worker, four threads), 1 MB of sessions at most,
    the default time budget (250 ms)."""
    server = start_gunicorn(tmp_path_factory.mktemp("memory"), "memory-gunicorn", MAX_STORE_MB=1,
                            THREADS=4, ADVANCE_BUDGET_MS=250)
    yield server
    server.stop()


def test_a_flood_of_sessions_stays_in_the_memory_bound(memory_gunicorn, connect):
    """Each session holds ~100 KB (6000 points); 1 MB holds about ten.  One
    session is kept in use throughout; the others, left idle in the order they
    were made, must go oldest first, and the worker's memory must level off."""
    client = connect(memory_gunicorn)
    (worker,) = workers_of(memory_gunicorn)
    kept = client.ok("POST", "/api/sessions", {**LONG, "data": {**LONG["data"], "n": 40}}, 201)["session"]

    def flood(count: int) -> list[str]:
        made = []
        for i in range(count):
            body = {"data": {"name": "circle", "n": 6000, "seed": i}, "network": {"hidden": [4]},
                    "view": {"grid": 2}}
            made.append(client.ok("POST", "/api/sessions", body, 201)["session"])
            if i % 5 == 4:
                advance(client, kept, steps=1)          # a student still playing
        return made

    first = flood(20)
    rss_warm = rss_bytes(worker)
    later = flood(60)
    rss_after = rss_bytes(worker)
    assert workers_of(memory_gunicorn) == {worker}, "the worker died"
    alive = [client("GET", f"/api/sessions/{sid}")[0] == 200 for sid in first + later]
    assert client("GET", f"/api/sessions/{kept}")[0] == 200
    survivors = alive.index(True)
    assert 5 <= len(alive) - survivors <= 12                  # ~1 MB of ~100 KB sessions
    assert all(alive[survivors:]) and not any(alive[:survivors])   # oldest idle went first
    # 60 more sessions are 6 MB without eviction; with it, memory levels off.
    assert rss_after - rss_warm < 3 * 2 ** 20, (rss_warm, rss_after)


BIGGEST = {"data": {"source": "generated", "name": "spiral_k", "n": 10000, "classes": 8,
                    "val_share": 0.0},
           "network": {"hidden": [110] * 8},                 # 86,000 parameters of 100,000
           "training": {"optimizer": "adam", "batch_size": 10000}, "view": {"grid": 2}}


def test_a_request_beyond_the_budget_is_cut_into_a_partial_frame(memory_gunicorn, connect):
    client = connect(memory_gunicorn, timeout=60)
    sid = client.ok("POST", "/api/sessions", BIGGEST, 201)["session"]
    # one full-batch step alone is estimated past the budget: refused, not run
    status, refused = client("POST", f"/api/sessions/{sid}/advance", {"epochs": 100})
    assert status == 400 and refused["field"] == "training.batch_size", refused
    client.ok("PATCH", f"/api/sessions/{sid}/training", {"batch_size": 500, "view": {"grid": 2}})
    started = time.monotonic()
    frame = client.ok("POST", f"/api/sessions/{sid}/advance", {"epochs": 100})
    plain = time.monotonic() - started
    assert frame["advance"]["partial"] is True and 1 <= frame["advance"]["steps_done"] < 100
    assert frame["counters"]["step"] == frame["advance"]["steps_done"]
    assert plain < 10, f"a 250 ms budget took {plain:.1f} s"

    # The heaviest drawing a view can ask for on top: drawn coarser, within
    # its own budget; the worker stays responsive and nothing times out.
    heavy = {"grid": 200, "thumb": 64,
             "include": ["curves", "thumbnails", "regions", "probs", "points"]}
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(answer=connect(memory_gunicorn, 60)(
        "POST", f"/api/sessions/{sid}/advance", {"steps": 10_000, "view": heavy})))
    thread.start()
    health = connect(memory_gunicorn, 5)
    while thread.is_alive():                             # another thread of the worker answers
        asked = time.monotonic()
        assert health("GET", "/healthz")[0] == 200 and time.monotonic() - asked < 2
        thread.join(0.3)
    status, heavy_frame = outcome["answer"]
    assert status == 200 and heavy_frame["advance"]["partial"] is True
    assert heavy_frame["degraded"]["estimate_ms"] <= 250
    log = memory_gunicorn.log_path.read_text()
    assert "WORKER TIMEOUT" not in log and "Traceback" not in log

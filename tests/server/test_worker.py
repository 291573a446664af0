"""The gunicorn worker (server/worker.py) times each request's wait for a
thread, which only the worker sees: requests queued behind a busy thread say
so in their busy signal (server/busy.py)."""
from __future__ import annotations

import http.client
import json
import statistics
import threading
import time

import pytest

from server import busy

from .servers import Gunicorn
from .test_busy import SPIRAL

def post(port: int, path: str, body: dict) -> tuple[int, dict, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read()), float(response.getheader(busy.HEADER))
    finally:
        conn.close()


@pytest.mark.slow
def test_under_gunicorn_requests_queued_behind_a_busy_thread_raise_the_signal(tmp_path):
    """One worker with one thread: eight advances sent at once wait for each
    other in gunicorn's queue, which only the worker sees (each then runs
    alone, so its own wall and CPU time hardly differ).  One at a time, the
    same advances wait much less; together, the later ones say about how long
    they waited."""
    server = Gunicorn({"REDIS_URL": "", "RATE_LIMIT": "", "ADDRESS_RATE_LIMIT": "", "THREADS": "1",
                       "LOG_LEVEL": "WARNING", "BUSY_WAIT_MS": "50"}, tmp_path / "gunicorn.log").start()
    try:
        sessions = [post(server.port, "/api/sessions", {**SPIRAL, "seed": i + 1})[1]["session"]
                    for i in range(8)]
        alone = [post(server.port, f"/api/sessions/{sid}/advance", {"epochs": 10})[2] for sid in sessions]
        together: list[tuple[float, float]] = []

        def advance(sid: str) -> None:
            sent = time.perf_counter()
            status, _, load = post(server.port, f"/api/sessions/{sid}/advance", {"epochs": 10})
            assert status == 200
            together.append((load, time.perf_counter() - sent))

        threads = [threading.Thread(target=advance, args=(sid,)) for sid in sessions]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        server.stop()
    assert len(together) == 8
    last_load, last_latency = max(together, key=lambda answer: answer[1])
    # alone, a request waits only for the processor (other work on this machine); the
    # last of eight also waited for seven requests to be handled before it
    assert last_load >= 1 and last_load > 2 * statistics.median(alone), (alone, together)
    # what it waited is most of what its client waited (the rest: its own work, the network)
    assert 0.5 * last_latency <= last_load * 0.050 <= last_latency, together

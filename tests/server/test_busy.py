"""The busy signal (server/busy.py): every answer says how long its request
waited, over BUSY_WAIT_MS, here with injected clocks in-process (for real
under gunicorn: test_worker.py)."""
from __future__ import annotations

import pytest

from server import busy

SPIRAL = {"data": {"source": "generated", "name": "spiral_k", "n": 400, "classes": 3, "seed": 1},
          "network": {"hidden": [100, 10], "activations": ["relu", "relu"], "output": "softmax"},
          "training": {"lr": 0.03, "batch_size": 10}, "seed": 1}


@pytest.mark.parametrize("wall, cpu, queued, budget, expected", [
    (0.020, 0.020, 0, 100, 0.0),       # ran the whole time: no wait
    (0.120, 0.020, 0, 100, 1.0),       # 100 ms without the processor
    (0.220, 0.020, 0, 100, 2.0),
    (0.050, 0.050, 0.1, 100, 1.0),     # 100 ms in the worker's queue for a thread
    (0.050, 0.030, 0.1, 40, 3.0),
    (0.010, 0.012, 0, 100, 0.0),       # the CPU clock ahead of the wall clock (its resolution)
])
def test_load_is_the_wait_over_the_budget(wall, cpu, queued, budget, expected):
    assert busy.load(wall, cpu, queued, budget) == pytest.approx(expected)


class Clocks:
    """The wall and CPU clocks of one request: read once at its start, once at its end."""

    def __init__(self, monkeypatch, wall_s: float, cpu_s: float):
        walls, cpus = iter([100.0, 100.0 + wall_s]), iter([5.0, 5.0 + cpu_s])
        monkeypatch.setattr(busy, "wall_clock", lambda: next(walls))
        monkeypatch.setattr(busy, "cpu_clock", lambda: next(cpus))


def test_every_answer_says_how_busy_and_the_signal_rises_with_the_wait(make_app, monkeypatch):
    client = make_app(BUSY_WAIT_MS=50).test_client()
    said = []
    for wall in (0.030, 0.060, 0.090, 0.230):
        Clocks(monkeypatch, wall, 0.030)
        said.append(float(client.get("/api/datasets").headers[busy.HEADER]))
    assert said == [0.0, 0.6, 1.2, 4.0]
    Clocks(monkeypatch, 0.030, 0.030)
    answer = client.post("/api/sessions", json={"network": "not a network"})
    assert answer.status_code == 400 and answer.headers[busy.HEADER] == "0.00"   # errors say it too


def test_a_wait_for_a_thread_counts_for_the_request_that_waited_only(make_app, monkeypatch):
    client = make_app(BUSY_WAIT_MS=100).test_client()
    busy.note_queued(0.080)               # as server/worker.py does before handing it over
    Clocks(monkeypatch, 0.040, 0.040)
    assert client.get("/api/datasets").headers[busy.HEADER] == "0.80"
    Clocks(monkeypatch, 0.040, 0.040)
    assert client.get("/api/datasets").headers[busy.HEADER] == "0.00"


@pytest.mark.parametrize("setting", ["0", "-5", "soon"])
def test_the_budget_must_be_a_positive_number_of_milliseconds(make_app, setting):
    from server.config import ConfigError
    with pytest.raises(ConfigError, match="BUSY_WAIT_MS"):
        make_app(BUSY_WAIT_MS=setting)


def test_a_frame_says_how_many_times_larger_it_could_be_and_stay_light(client):
    """Crease-Headroom = HEAVY_MS / the request's estimated work: more epochs,
    less room; below 1 the request itself was heavy.  No estimate, no header."""
    sid = client.post("/api/sessions", json=SPIRAL).json["session"]
    room = [float(client.post(f"/api/sessions/{sid}/advance", json={"epochs": n}).headers[busy.HEADROOM])
            for n in (1, 2, 4, 16)]
    assert room == sorted(room, reverse=True) and room[0] > 1 > room[-1], room
    assert busy.HEADROOM not in client.get("/api/datasets").headers

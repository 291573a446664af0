"""How busy the server is, on every answer: ``Crease-Busy: <load>``.

A request's wait is the time it spent in the app without running (wall
clock minus its thread's CPU time: other threads, other workers, Redis had
the processor) plus, under gunicorn, the time it waited in its worker's
queue for a free thread (server/worker.py).  Both are times this request
lived through, not a count one worker keeps, so they are as true whichever
of several workers answers.

load = wait / BUSY_WAIT_MS: 1 or more means busy.  The page
(static/js/pacing.js) then asks for more epochs per frame at a lower frame
rate, and bench/load.py's students do the same.  So that a larger frame does
not become a heavy request (heavy.py: 429 past one in flight per address), a
request whose work was estimated also says how many times larger it could be
and stay light: ``Crease-Headroom: HEAVY_MS / estimate``.
"""
from __future__ import annotations

import threading
import time

from flask import Flask, g

from .heavy import HEAVY_MS

HEADER = "Crease-Busy"
HEADROOM = "Crease-Headroom"

# Clocks, replaceable by tests: the wall clock and this thread's CPU time.
wall_clock = time.perf_counter
cpu_clock = time.thread_time

_queued = threading.local()


def note_queued(seconds: float) -> None:
    """How long the request this thread is about to handle waited for a
    thread (server/worker.py times it under gunicorn)."""
    _queued.seconds = max(0.0, seconds)


def load(wall_s: float, cpu_s: float, queued_s: float, budget_ms: int) -> float:
    """The wait of one request over the budget (seconds in, a ratio out)."""
    waited_ms = 1000 * (max(0.0, wall_s - cpu_s) + queued_s)
    return waited_ms / budget_ms


def init_app(app: Flask, budget_ms: int) -> None:
    @app.before_request
    def start() -> None:
        g.busy_clocks = (wall_clock(), cpu_clock(), getattr(_queued, "seconds", 0.0))
        _queued.seconds = 0.0

    @app.after_request
    def say(response):
        started = g.get("busy_clocks")
        if started is not None:
            wall0, cpu0, queued = started
            ratio = load(wall_clock() - wall0, cpu_clock() - cpu0, queued, budget_ms)
            response.headers[HEADER] = f"{ratio:.2f}"
        estimate = g.get("work_estimate_ms")
        if estimate:
            response.headers[HEADROOM] = f"{HEAVY_MS / estimate:.2f}"
        return response

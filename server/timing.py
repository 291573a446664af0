"""``Server-Timing: app;dur=<ms>`` on every answer, so the page (and a
browser's network panel) can tell server time from network time."""
from __future__ import annotations

import time

from flask import Flask, g


def init_app(app: Flask) -> None:
    @app.before_request
    def start_clock() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def add_timing(response):
        started = g.get("started")
        if started is not None:
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response

"""One student of the lecture hall (bench/load.py): a thread that creates a
session, then plays it as the page does -- an advance as soon as the last
answered, at most MAX_FPS a second, paced by the server's busy signal
exactly as static/js/pacing.js paces the page (bench/pacing.py) -- and
records each answer's time, latency and progress."""
from __future__ import annotations

import http.client
import json
import math
import re
import threading
import time
import zlib
from typing import TYPE_CHECKING

from server.config import Limits

from .pacing import Pacing, busy_load

if TYPE_CHECKING:
    from .load import Scenario

MAX_FPS = 30                 # a student's pace: the page drawing a 2-100-10-3 frame takes about 1/30 s
LIMITS = {"max_epochs": Limits.max_epochs, "max_steps": Limits.max_steps}   # the server's defaults
_COUNTERS = re.compile(rb'"counters":\{"step":(\d+),"epoch":(\d+)')
_ADVANCE = re.compile(rb'"steps_done":(\d+),"partial":(true|false)')


class Student(threading.Thread):
    """Creates a session, waits for the start, then plays until the end."""

    def __init__(self, index: int, port: int, scenario: Scenario, start_at: float,
                 play: threading.Event, stop_at: list[float]):
        super().__init__(name=f"student-{index}", daemon=True)
        self.index, self.port, self.scenario = index, port, scenario
        self.start_at, self.play, self.stop_at = start_at, play, stop_at
        self.sid: str | None = None
        self.epoch = 0
        self.created = threading.Event()
        self.pacing = Pacing()
        self.arrived: float | None = None
        # (end time, seconds, status, steps trained, partial, epoch after, busy, pace scale): one per advance
        self.results: list[tuple[float, float, int, int, bool, int, float | None, float]] = []
        self.errors: dict[str, int] = {}
        self.conn: http.client.HTTPConnection | None = None

    def run(self) -> None:
        try:
            time.sleep(max(0.0, self.start_at - time.perf_counter()))
            self._create()
        except Exception as e:                         # noqa: BLE001 - counted, reported
            self._error(f"create: {type(e).__name__}: {e}"[:120])
        finally:
            self.created.set()
        if self.sid is None:
            return
        self.play.wait(timeout=600)
        last = -math.inf
        while True:
            now = time.perf_counter()
            if now >= self.stop_at[0]:
                break
            wait = max(last + 1 / MAX_FPS - now,
                       self.pacing.delay_ms(None if last == -math.inf else 1000 * last, 1000 * now) / 1000)
            if wait > 0:
                time.sleep(wait)
            last = time.perf_counter()
            self._advance()
        if self.conn is not None:
            self.conn.close()

    def _request(self, path: str, body: dict) -> tuple[int, bytes, tuple[str | None, str | None]]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            self.conn.request("POST", path, json.dumps(body), {
                "Content-Type": "application/json", "Accept-Encoding": "gzip"})
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        if response.getheader("Content-Encoding") == "gzip":
            data = zlib.decompress(data, wbits=31)
        return response.status, data, (response.getheader("Crease-Busy"), response.getheader("Crease-Headroom"))

    def _create(self) -> None:
        status, data, _ = self._request("/api/sessions", self.scenario.create_body(self.index + 1))
        if status != 201:
            self._error(f"create {status}: {data[:80]!r}")
            return
        self.sid = json.loads(data)["session"]

    def _advance(self) -> None:
        scale = self.pacing.scale
        body = {**self.pacing.amount(self.scenario.amount, LIMITS),
                "view": self.scenario.view(self.epoch, len(self.results))}
        started = time.perf_counter()
        try:
            status, data, busy = self._request(f"/api/sessions/{self.sid}/advance", body)
        except Exception as e:                         # noqa: BLE001 - counted, reported
            self._error(type(e).__name__)
            self.results.append((time.perf_counter(), time.perf_counter() - started, 0, 0, False,
                                 self.epoch, None, scale))
            return
        ended = time.perf_counter()
        counters, advance = _COUNTERS.search(data, 0, 400), _ADVANCE.search(data, 0, 600)
        if status == 200 and (counters is None or advance is None):
            status = -1
        load, headroom = busy_load(busy[0]), busy_load(busy[1])
        self.results.append((ended, ended - started, status,
                             int(advance.group(1)) if advance else 0,
                             bool(advance and advance.group(2) == b"true"),
                             int(counters.group(2)) if status == 200 else self.epoch, load, scale))
        if status == 200 and self.scenario.paced:
            interval = None if self.arrived is None else 1000 * (ended - self.arrived)
            self.pacing.observe(load, interval, headroom)
        self.arrived = ended
        if status == -1:
            self._error("frame without counters")
        elif status != 200:
            self._error(f"HTTP {status}")
        else:
            self.epoch = int(counters.group(2))

    def _error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


# ---- one run -------------------------------------------------------------------------

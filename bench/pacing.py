"""The page's pacing rule (static/js/pacing.js), for bench/load.py's students.

A student honours the server's busy signal (``Crease-Busy``, server/busy.py)
the way the page does: after BUSY_FRAMES busy answers in a row, twice the
frame interval it got and the epochs per frame scaled by the same factor (the
same epochs per second), at most MAX_LEVEL times and never slower than
MAX_INTERVAL_MS (the last step, to it, taken however small), and a frame
never grows past the server's Crease-Headroom;
after CALM_FRAMES calm answers, one level back.  The
constants are the page's (tests/bench/test_pacing.py reads them from the JS
and runs both on the same cases).
"""
from __future__ import annotations

import math
import statistics

BUSY = 1.0
CALM = 0.5
BUSY_FRAMES = 3
CALM_FRAMES = 8
MAX_LEVEL = 3
MAX_INTERVAL_MS = 240
MIN_STEP = 1.25
HEADROOM_USED = 0.8


def busy_load(header: str | None) -> float | None:
    """Crease-Busy's value, or None when the answer has none."""
    try:
        load = float(header) if header else None
    except ValueError:
        return None
    return load if load is not None and load >= 0 and load != float("inf") else None


class Pacing:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.level = 0
        self.scale = 1.0
        self.interval_ms = 0.0
        self._loads: list[float] = []
        self._intervals: list[float] = []
        self._headroom = math.inf

    @property
    def busy(self) -> bool:
        return self.level > 0

    def observe(self, load: float | None, interval_ms: float | None,
                headroom: float | None = None) -> bool:
        """One frame answered; True when the pace changed."""
        if load is None:
            return False
        self._headroom = math.inf if headroom is None else headroom
        self._loads.append(load)
        if interval_ms is not None:
            self._intervals.append(interval_ms)
        recent_busy = len(self._loads) >= BUSY_FRAMES and all(x >= BUSY for x in self._loads[-BUSY_FRAMES:])
        recent_calm = len(self._loads) >= CALM_FRAMES and all(x < CALM for x in self._loads[-CALM_FRAMES:])
        if recent_busy and self.level < MAX_LEVEL:
            return self._slower()
        if recent_calm and self.level > 0:
            return self._faster()
        return False

    def _slower(self) -> bool:
        got = max(self.interval_ms, statistics.median(self._intervals) if self._intervals else 0.0)
        if not got > 0:
            self._loads = []
            return False
        room = MAX_INTERVAL_MS / got   # how much slower it may still go
        factor = min(2.0, room, HEADROOM_USED * self._headroom)
        if factor < MIN_STEP and not (factor == room and room > 1):   # the last step, to the floor, however small
            self._loads = []
            return False
        self.scale *= factor
        self.interval_ms = min(MAX_INTERVAL_MS, got * factor)
        self.level += 1
        return self._changed()

    def _faster(self) -> bool:
        self.level -= 1
        if self.level == 0:
            self.scale, self.interval_ms = 1.0, 0.0
        else:
            self.scale = max(1.0, self.scale / 2)
            self.interval_ms /= 2
        return self._changed()

    def _changed(self) -> bool:
        self._loads, self._intervals = [], []
        return True

    def amount(self, base: dict, limits: dict | None = None) -> dict:
        """The user's {"epochs": n} or {"steps": n}, scaled, within the server's limits."""
        if self.scale == 1:
            return base
        ((unit, n),) = base.items()
        most = (limits or {}).get(f"max_{unit}", float("inf"))
        return {unit: max(n, min(most, _round_half_up(n * self.scale)))}

    def delay_ms(self, last_sent_at: float | None, now: float) -> float:
        return 0.0 if last_sent_at is None else max(0.0, last_sent_at + self.interval_ms - now)


def _round_half_up(x: float) -> int:
    """As JavaScript's Math.round (Python's round goes to even)."""
    return math.floor(x + 0.5)

"""At most one heavy request per address and per session in flight.

A request is heavy when the cost model (cost.py) expects it to work for
HEAVY_MS or more: training it may do plus its drawing.  Before starting, a
heavy request takes a slot for its client address and one for its session
(or experiment); if either is taken it is answered 429 at once, with
Retry-After, and does nothing.  HEAVY_PER_ADDRESS raises the address's
share (a class behind one NAT address); the session's stays one.  It does not wait: a waiting request would
hold a worker thread, which is what the slots are there to prevent (the
page's api.js waits Retry-After and asks again).  Light requests take no
slot, so a class behind one NAT address queues only its heavy requests; the
page's defaults on the networks a lesson uses are light.

A worker also runs at most half its threads' worth of heavy requests at
once (at least one), whoever sends them: the other threads stay free for
light requests, which would otherwise queue behind heavy ones.

Slots live where the sessions do: in the process with the memory store (one
worker), in Redis with the Redis store, so that every worker sees them.  A
slot is given back when its request ends, and expires by itself after
SLOT_TTL_MS in case its worker died holding it.
"""
from __future__ import annotations

import math
import secrets
import threading
import time

import redis
from flask import Flask, current_app, g, request

from .errors import StoreUnavailable, error_response

HEAVY_MS = 100          # estimated work from which a request is heavy (about 15-35 ms measured)
SLOT_SLACK_MS = 5000    # a slot outlives the budgets by this much before it expires

BUSY = {"address": "Another heavy request from this address is still running",
        "session": "Another heavy request on this session is still running",
        "server": "This server is running as many heavy requests as it takes at once"}
# deletes a slot only if it is still the one this request took
_GIVE_BACK = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class HeavyBusy(Exception):
    """Another heavy request of this address or session is in flight."""

    def __init__(self, whose: str, retry_after_s: int):
        super().__init__(whose)
        self.whose, self.retry_after_s = whose, retry_after_s


class MemorySlots:
    """Slots in this process (the memory store's single worker)."""

    def __init__(self):
        self._held: dict[str, tuple[str, float]] = {}
        self._mutex = threading.Lock()

    def take(self, key: str, ttl_ms: int) -> str | None:
        now, token = time.monotonic(), secrets.token_hex(8)
        with self._mutex:
            held = self._held.get(key)
            if held is not None and held[1] > now:
                return None
            self._held[key] = (token, now + ttl_ms / 1000)
        return token

    def give_back(self, key: str, token: str) -> None:
        with self._mutex:
            if self._held.get(key, (None,))[0] == token:
                del self._held[key]


class RedisSlots:
    """Slots in Redis (SET NX PX), seen by every worker."""

    def __init__(self, client, prefix: str):
        self.client, self.prefix = client, prefix
        self._give_back = client.register_script(_GIVE_BACK)

    def take(self, key: str, ttl_ms: int) -> str | None:
        token = secrets.token_hex(8)
        try:
            return token if self.client.set(self.prefix + key, token, nx=True, px=ttl_ms) else None
        except redis.RedisError as e:
            raise StoreUnavailable(str(e)) from None

    def give_back(self, key: str, token: str) -> None:
        self._give_back(keys=[self.prefix + key], args=[token])


def init_app(app: Flask, store, config) -> None:
    if store.kind == "redis":
        slots = RedisSlots(store.client, f"{store.prefix}heavy:")
    else:
        slots = MemorySlots()
    app.extensions["crease_heavy"] = slots
    # this worker's heavy requests: at most half its threads, so light ones always find one
    app.extensions["crease_heavy_here"] = threading.BoundedSemaphore(max(1, config.threads // 2))
    ttl_ms = config.advance_budget_ms + config.frame_budget_ms + SLOT_SLACK_MS
    retry_after_s = max(1, math.ceil((config.advance_budget_ms + config.frame_budget_ms) / 1000))
    app.config["CREASE_HEAVY"] = (ttl_ms, retry_after_s)

    @app.teardown_request
    def give_back(_exc) -> None:
        if g.pop("heavy_here", False):
            app.extensions["crease_heavy_here"].release()
        for key, token in g.pop("heavy_slots", ()):
            try:
                slots.give_back(key, token)
            except Exception:   # noqa: BLE001 - Redis gone: the slot expires by itself
                pass

    @app.errorhandler(HeavyBusy)
    def busy(e: HeavyBusy):
        return error_response(
            429, "heavy_in_flight",
            f"{BUSY[e.whose]}; this one is estimated at {HEAVY_MS} ms of work or more, so it "
            f"waits its turn: try again in {e.retry_after_s} s.",
            headers={"Retry-After": str(e.retry_after_s)})


def admit(estimate_ms: float, locked: bool = False) -> None:
    """Take this request's slots if ``estimate_ms`` makes it heavy (once per
    request); HeavyBusy if another heavy request holds one.  The session slot
    is the route's session or experiment, if it has one, unless the request
    holds the session's lock (``locked``), which already lets one at a time in
    and keeps later ones waiting for it, as they did before."""
    g.work_estimate_ms = max(estimate_ms, g.get("work_estimate_ms", 0.0))   # busy.py's headroom
    if estimate_ms < HEAVY_MS or "heavy_slots" in g:
        return
    route = request.view_args or {}
    owner = None if locked else route.get("sid") or route.get("eid")
    slots = current_app.extensions["crease_heavy"]
    ttl_ms, retry_after_s = current_app.config["CREASE_HEAVY"]
    g.heavy_slots = []
    if not current_app.extensions["crease_heavy_here"].acquire(blocking=False):
        raise HeavyBusy("server", retry_after_s)
    g.heavy_here = True
    per_address = current_app.extensions["crease"].config.heavy_per_address
    address = f"a:{request.remote_addr or 'unknown'}"
    for keys, whose in (([f"{address}:{i}" for i in range(per_address)], "address"),
                        ([f"s:{owner}"] if owner else [], "session")):
        taken = next(((key, token) for key in keys
                      if (token := slots.take(key, ttl_ms)) is not None), None)
        if keys and taken is None:
            raise HeavyBusy(whose, retry_after_s)
        if taken:
            g.heavy_slots.append(taken)

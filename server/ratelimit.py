"""Fixed-window rate limits counted in one storage round trip a request.

A request is checked against every limit that applies to it at once: each
limit is a few windows ("60 per second;3000 per minute"), each window a
counter under its own key that expires with the window (started by its first
hit).  ``check`` adds the request's cost to every counter, unless one of
them would pass its amount: then nothing is added and the answer names that
limit and when its window ends.  A limit whose charge depends on the answer
(a malformed request is not charged to its address) is charged up front and
given back afterwards (``refund``), so only those answers cost a second
round trip.  On Redis the check is one Lua script, so workers and hosts
count together; without Redis the counters live in this process (the
memory store's single worker).  Redis unreachable: requests are let
through, since the store answers 503 for them anyway.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

import limits
import redis

KEY_PREFIX = "crease:rate:"
MEMORY_KEYS = 100_000   # counters kept in one process before expired ones are swept

# KEYS: counters; ARGV: per counter its amount, window ms, cost (3 values each)
# -> {0} counted, or {i, ms left}: counter i (1-based) would pass its amount
_CHECK = """
for i, key in ipairs(KEYS) do
  local base = (i - 1) * 3
  local amount, cost = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 3])
  if tonumber(redis.call('GET', key) or '0') + cost > amount then
    local left = redis.call('PTTL', key)
    if left < 0 then left = tonumber(ARGV[base + 2]) end   -- no window yet: a whole one
    return {i, left}
  end
end
for i, key in ipairs(KEYS) do
  local base = (i - 1) * 3
  local cost = tonumber(ARGV[base + 3])
  if redis.call('INCRBY', key, cost) == cost then redis.call('PEXPIRE', key, ARGV[base + 2]) end
end
return {0}
"""
# KEYS: counters; ARGV: their costs -> gives them back where the window still runs
_REFUND = """
for i, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('DECRBY', key, ARGV[i]) end
end
return 0
"""


def parse(text: str) -> list[tuple[int, float]]:
    """'60 per second;3000 per minute' -> [(60, 1.0), (3000, 60.0)]: (amount, window s).
    ValueError for text that is not a rate limit."""
    return [(item.amount, float(item.get_expiry())) for item in limits.parse_many(text)]


def scaled(text: str, factor: int) -> str:
    """The same rate limit with every amount multiplied by ``factor``."""
    return ";".join(f"{item.amount * factor} per {item.multiples} {item.GRANULARITY.name}"
                    for item in limits.parse_many(text))


@dataclass(frozen=True)
class Rule:
    """One limit: ``windows`` from ``parse``; ``key`` names the client it counts
    (None: the rule does not apply to this request); ``cost`` what the request
    costs (0: not charged); ``refund_when(status)`` gives the charge back;
    ``message`` says which limit a refusal hit (the setting's name in it)."""
    scope: str
    windows: list[tuple[int, float]]
    key: Callable[[], str | None]
    message: str
    cost: Callable[[], int] = lambda: 1
    refund_when: Callable[[int], bool] = lambda status: False


@dataclass
class Refused:
    rule: Rule
    retry_after_s: int


@dataclass
class Charge:
    """What a request was charged: counters and costs, and the rules that may
    give theirs back once the answer is known."""
    counters: list[tuple[Rule, str, int]]

    def refundable(self, status: int) -> tuple[list[str], list[int]]:
        kept = [(key, cost) for rule, key, cost in self.counters if rule.refund_when(status)]
        return [k for k, _ in kept], [c for _, c in kept]


class RedisCounters:
    """Counters in Redis, shared by every worker and host."""

    def __init__(self, url: str):
        self.client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self._check = self.client.register_script(_CHECK)
        self._refund = self.client.register_script(_REFUND)

    def count(self, keys, amounts, windows_ms, costs):
        args = [v for triple in zip(amounts, windows_ms, costs) for v in triple]
        try:
            answer = self._check(keys=keys, args=args)
        except redis.RedisError:
            return None   # let it through: the store answers 503 for it anyway
        return None if answer[0] == 0 else (int(answer[0]) - 1, int(answer[1]))

    def give_back(self, keys, costs) -> None:
        try:
            self._refund(keys=keys, args=costs)
        except redis.RedisError:
            pass


class MemoryCounters:
    """Counters in this process (one worker: the memory store's setting)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._counts: dict[str, list] = {}   # key -> [count, ends at (s)]
        self._mutex = threading.Lock()

    def count(self, keys, amounts, windows_ms, costs):
        with self._mutex:
            now = self.clock()
            if len(self._counts) > MEMORY_KEYS:
                self._sweep(now)
            for i, (key, amount, cost) in enumerate(zip(keys, amounts, costs)):
                entry = self._counts.get(key)
                running = entry is not None and entry[1] > now
                if (entry[0] if running else 0) + cost > amount:
                    return i, max(1, int((entry[1] - now) * 1000)) if running else windows_ms[i]
            for key, window_ms, cost in zip(keys, windows_ms, costs):
                entry = self._counts.get(key)
                if entry is None or entry[1] <= now:
                    self._counts[key] = [cost, now + window_ms / 1000]
                else:
                    entry[0] += cost
        return None

    def give_back(self, keys, costs) -> None:
        with self._mutex:
            now = self.clock()
            for key, cost in zip(keys, costs):
                entry = self._counts.get(key)
                if entry is not None and entry[1] > now:
                    entry[0] -= cost

    def _sweep(self, now: float) -> None:
        """Forget ended windows; past the bound still, the oldest counters go,
        down to nine tenths of it, so a flood of clients sweeps once in many requests."""
        self._counts = {k: e for k, e in self._counts.items() if e[1] > now}
        while len(self._counts) > MEMORY_KEYS * 9 // 10:
            del self._counts[next(iter(self._counts))]


class RateLimiter:
    def __init__(self, rules: list[Rule], counters: RedisCounters | MemoryCounters):
        self.rules, self.counters = rules, counters

    def check(self, exempt: bool = False) -> Charge | Refused | None:
        """Charge the request to every rule that applies, or refuse it whole."""
        if exempt:
            return None
        charged, keys, amounts, windows_ms, costs = [], [], [], [], []
        for rule in self.rules:
            client = rule.key()
            cost = client is not None and rule.cost()
            if not cost:
                continue
            for amount, window_s in rule.windows:
                key = f"{KEY_PREFIX}{rule.scope}:{amount}/{window_s:g}:{client}"
                charged.append((rule, key, cost))
                keys.append(key)
                amounts.append(amount)
                windows_ms.append(int(window_s * 1000))
                costs.append(cost)
        if not keys:
            return None
        refused = self.counters.count(keys, amounts, windows_ms, costs)
        if refused is not None:
            index, ms_left = refused
            return Refused(charged[index][0], max(1, -(-ms_left // 1000)))
        return Charge(charged)

    def settle(self, charge: Charge, status: int) -> None:
        """Give back what the rules do not charge for an answer of ``status``."""
        keys, costs = charge.refundable(status)
        if keys:
            self.counters.give_back(keys, costs)

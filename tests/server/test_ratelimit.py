"""The counting under the rate limits, on both counters: a request is charged
to every window or refused whole, a window starts at its first hit and ends on
time, a refund gives a charge back, and the process's counters stay bounded."""
from __future__ import annotations

import pytest

from server import ratelimit
from server.ratelimit import Charge, MemoryCounters, RateLimiter, RedisCounters, Refused, Rule, parse, scaled


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_parse_and_scale_the_settings_syntax():
    assert parse("60 per second;3000 per minute") == [(60, 1.0), (3000, 60.0)]
    assert parse("5 per 10 seconds") == [(5, 10.0)]
    assert scaled("60 per second;3000 per minute", 3) == "180 per 1 second;9000 per 1 minute"
    with pytest.raises(ValueError):
        parse("lots")


@pytest.fixture(params=["memory", "redis"])
def counters(request):
    if request.param == "memory":
        return MemoryCounters()
    made = RedisCounters(request.getfixturevalue("redis_url"))
    made.client.flushdb()
    return made


def test_a_request_is_charged_to_every_window_or_refused_whole(counters):
    keys, amounts, windows = ["a", "b"], [3, 10], [60_000, 3_600_000]
    assert [counters.count(keys, amounts, windows, [1, 1]) for _ in range(3)] == [None] * 3
    refused = counters.count(keys, amounts, windows, [1, 1])
    assert refused[0] == 0 and 0 < refused[1] <= 60_000          # the first window, and its time left
    # the refused request was not counted in the second window: 7 more fit there
    assert counters.count(["b"], [10], [3_600_000], [7]) is None
    assert counters.count(["b"], [10], [3_600_000], [1])[0] == 0


def test_a_cost_counts_as_that_many_requests_and_a_refund_gives_it_back(counters):
    assert counters.count(["w"], [5], [60_000], [5]) is None
    assert counters.count(["w"], [5], [60_000], [1]) is not None
    counters.give_back(["w"], [5])
    assert counters.count(["w"], [5], [60_000], [5]) is None
    assert counters.count(["x"], [2], [60_000], [3]) == (0, 60_000)   # more than a whole window


def test_a_window_starts_at_its_first_hit_and_ends_on_time():
    clock = Clock()
    counters = MemoryCounters(clock)
    assert counters.count(["k"], [1], [10_000], [1]) is None
    clock.now += 6
    assert counters.count(["k"], [1], [10_000], [1]) == (0, 4000)
    clock.now += 4
    assert counters.count(["k"], [1], [10_000], [1]) is None       # a new window
    counters.give_back(["gone"], [1])                              # nothing to give back to: no error


def test_the_process_keeps_a_bounded_number_of_counters(monkeypatch):
    monkeypatch.setattr(ratelimit, "MEMORY_KEYS", 50)
    clock = Clock()
    counters = MemoryCounters(clock)
    for i in range(200):
        counters.count([f"client-{i}"], [5], [1000], [1])
        clock.now += 0.01
    assert len(counters._counts) <= 51


def test_the_limiter_applies_the_rules_that_name_a_client():
    clock = Clock()
    session = Rule("session", [(2, 60.0)], key=lambda: "s1", message="2 per minute (RATE_LIMIT)")
    nobody = Rule("address", [(1, 60.0)], key=lambda: None, message="never")
    free = Rule("work", [(1, 60.0)], key=lambda: "10.0.0.1", cost=lambda: 0, message="free")
    limiter = RateLimiter([session, nobody, free], MemoryCounters(clock))
    first = limiter.check()
    assert isinstance(first, Charge) and [rule.scope for rule, _, _ in first.counters] == ["session"]
    assert isinstance(limiter.check(), Charge)
    third = limiter.check()
    assert isinstance(third, Refused) and third.rule is session and third.retry_after_s == 60
    assert limiter.check(exempt=True) is None


def test_settle_refunds_only_what_the_answer_does_not_charge():
    work = Rule("work", [(3, 60.0)], key=lambda: "10.0.0.1", cost=lambda: 3,
                refund_when=lambda status: status >= 400, message="3 units (ADDRESS_RATE_LIMIT)")
    limiter = RateLimiter([work], MemoryCounters())
    limiter.settle(limiter.check(), 400)                           # given back
    charge = limiter.check()
    assert isinstance(charge, Charge)
    limiter.settle(charge, 200)                                    # kept
    assert isinstance(limiter.check(), Refused)

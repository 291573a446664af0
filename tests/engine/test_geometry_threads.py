"""The scores evaluate_grid leaves for decision_boundary are per thread: a
gthread worker draws several frames at once, and one frame's grid must not
push out another's before its boundary is drawn."""
from __future__ import annotations

import threading

import numpy as np

from engine import geometry, grid

EXTENT, R = (-2.0, 2.0, -2.0, 2.0), 40
ACTS = ["relu", "softmax"]


def network(seed: int):
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, 1, (2, 8)), rng.normal(0, 0.5, (8, 1))),
            (rng.normal(0, 1, (8, 3)), rng.normal(0, 0.5, (3, 1)))]


def test_two_threads_each_reuse_their_own_grid(monkeypatch):
    nets = [network(1), network(2)]
    cold = []
    for params in nets:
        grid.forget_scores()
        cold.append(geometry.decision_boundary(params, ACTS, EXTENT, R))
    forward_passes = []
    real_gather = geometry._gather
    monkeypatch.setattr(geometry, "_gather", lambda *a: forward_passes.append(1) or real_gather(*a))
    both_evaluated = threading.Barrier(2)
    drawn: dict[int, list] = {}

    def frame(i: int) -> None:
        grid.evaluate_grid(nets[i], ACTS, EXTENT, R)
        both_evaluated.wait(10)          # the other thread's grid came after this one's
        drawn[i] = geometry.decision_boundary(nets[i], ACTS, EXTENT, R)

    threads = [threading.Thread(target=frame, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert forward_passes == []          # both boundaries reused their own thread's scores
    for i in range(2):
        assert len(drawn[i]) == len(cold[i]) > 0
        assert all(np.array_equal(a, b) for a, b in zip(drawn[i], cold[i]))


def test_forget_scores_forces_a_forward_pass(monkeypatch):
    params = network(3)
    grid.evaluate_grid(params, ACTS, EXTENT, R)
    passes = []
    real_gather = geometry._gather
    monkeypatch.setattr(geometry, "_gather", lambda *a: passes.append(1) or real_gather(*a))
    geometry.decision_boundary(params, ACTS, EXTENT, R)
    assert passes == []
    grid.forget_scores()
    geometry.decision_boundary(params, ACTS, EXTENT, R)
    assert passes == [1]

"""A run's whole state as data: a run rebuilt from its snapshot continues bit
for bit, and a snapshot whose parts do not fit together is refused."""
import dataclasses

import numpy as np
import pytest

from engine.network import NetworkSpec, layer_params
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig

SPEC = NetworkSpec(hidden=(5,), activations=("relu",), n_classes=3)


def make_run():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(2, 30)), np.arange(30) % 3
    run = Run(SPEC, X[:, :24], y[:24], X[:, 24:], y[24:],
              TrainConfig(OptimizerSpec.torch_adam(lr=0.01), batch_size=5), seed=4)
    run.train_steps(7)                     # mid-epoch, with history and moments
    return run


def test_a_run_rebuilt_from_its_snapshot_continues_bit_for_bit():
    run = make_run()
    twin = Run.from_snapshot(run.snapshot())
    assert (twin.step, twin.epoch, twin.batch_in_epoch, twin.history) == (7, 1, 2, run.history)
    for r in (run, twin):
        r.train_epochs(2)
    for a, b in zip(layer_params(run.model), layer_params(twin.model)):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    assert twin.history == run.history and twin.optimizer.t == run.optimizer.t


def test_the_snapshot_holds_the_runs_own_arrays():
    run = make_run()
    s = run.snapshot()
    assert np.shares_memory(s.params, layer_params(run.model)[0][0])
    assert s.optimizer["m"] is run.optimizer.m and s.optimizer_scalars == {"t": 7}
    assert s.rng["bit_generator"] == "PCG64" and s.order.shape == (24,) and s.pos == 10


@pytest.mark.parametrize("change, error, message", [
    (dict(params=np.zeros(5)), ValueError, "params must have 33 values"),
    (dict(optimizer={"m": np.zeros(33)}), KeyError, "v"),
    (dict(optimizer={"m": np.zeros(33), "v": np.full(33, np.inf)}), ValueError, "optimizer state 'v'"),
    (dict(state="exploded"), ValueError, "unknown state"),
    (dict(state="diverged"), ValueError, "diverged_at must be set"),
    (dict(order=np.zeros(24, int)), ValueError, "order must be a permutation of the 24"),
    (dict(pos=24), ValueError, r"pos must be in 0..23"),
    (dict(order=None), ValueError, "a run inside an epoch needs its order"),
])
def test_a_snapshot_that_does_not_fit_together_is_refused(change, error, message):
    s = dataclasses.replace(make_run().snapshot(), **change)
    with pytest.raises(error, match=message):
        Run.from_snapshot(s)

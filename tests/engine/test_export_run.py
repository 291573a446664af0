"""The replay scripts' parts read back as the run they came from: its points
exactly, its settings, its initial draw and its order of each epoch."""
import numpy as np
import pytest

from engine.datasets import generate
from engine.export_run import (INIT_SOURCE, ORDER_SOURCE, data_source, page_weights_source,
                               replay_length, settings_source)
from engine.network import NetworkSpec, build_network, layer_params
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig


def _run(**config):
    X, y = generate("moons", 40, 0.2, np.random.default_rng(0))
    X[0, 0] = 0.1 + 0.2                                  # every digit must travel
    spec = NetworkSpec(hidden=(4,), activations=("relu",), n_classes=2)
    run = Run(spec, X[:, :30], y[:30], X[:, 30:], y[30:], TrainConfig(**config), seed=5)
    run.train_steps(11)
    return run


def _exec(*sources, **names):
    space = {"np": np, **names}
    exec("\n".join(sources), space)
    return space


def test_the_points_read_back_bit_for_bit():
    run = _run(batch_size=7)
    space = _exec(data_source(run))
    for part in ("train", "val"):
        X, y = getattr(run, f"X_{part}"), getattr(run, f"y_{part}")
        assert space[f"X_{part}"].shape == X.shape and np.array_equal(space[f"X_{part}"], X)
        assert space[f"y_{part}"].tolist() == [int(v) for v in y]


def test_the_settings_are_the_runs():
    run = _run(batch_size=7, optimizer=OptimizerSpec(name="sgd", lr=0.05, momentum=0.9))
    epochs, extra = replay_length(run)
    assert (epochs, extra) == (2, 1)        # 11 steps, 5 an epoch (30 points, 7 a batch)
    space = _exec(settings_source(run, epochs, extra))
    assert (space["SEED"], space["EPOCHS"], space["EXTRA_BATCHES"], space["BATCH_SIZE"]) == (5, 2, 1, 7)
    assert space["LAYER_SIZES"] == [2, 4, 2] and space["K"] == 2
    assert space["OPTIMIZER"] == {"name": "sgd", "lr": 0.05, "weight_decay": 0.0, "momentum": 0.9}
    assert space["DTYPE"] is np.float64


@pytest.mark.parametrize("init", sorted(INIT_SOURCE))
def test_the_initial_draw_is_build_networks(init):
    spec = NetworkSpec(hidden=(5, 3), activations=("relu", "tanh"), n_classes=3, init=init)
    space = _exec(INIT_SOURCE[init])
    rng = np.random.default_rng(9)
    drawn = [space["init_weights"](m, n, rng) for m, n in zip(spec.layer_sizes[:-1], spec.layer_sizes[1:])]
    for (W, W0), (W_, W0_) in zip(drawn, layer_params(build_network(spec, np.random.default_rng(9)))):
        assert np.array_equal(W, W_) and np.array_equal(W0, W0_)


@pytest.mark.parametrize("shuffle, batch_size, shuffled", [(True, 7, True), (False, 7, False), (True, 30, False)])
def test_each_epochs_order(shuffle, batch_size, shuffled):
    space = _exec(ORDER_SOURCE, SHUFFLE=shuffle, BATCH_SIZE=batch_size)
    order = space["epoch_order"](np.random.default_rng(3), 30)
    expected = np.random.default_rng(3).permutation(30) if shuffled else np.arange(30)
    assert np.array_equal(order, expected)


def test_the_page_weights_read_back_bit_for_bit():
    run = _run(batch_size=7)
    space = _exec(page_weights_source(run))
    for (W, W0), (W_, W0_) in zip(space["PAGE_WEIGHTS"], layer_params(run.model)):
        assert np.array_equal(W, W_) and np.array_equal(W0, W0_)

import numpy as np
import pytest

from engine.network import NetworkSpec, layer_params
from engine.optim import OptimizerSpec
from engine.timeline import (CheckpointMissing, Timeline, at_epoch_end, best_epoch, capture, keep_epochs,
                             raw_size, restore, steps_to_epoch_end)
from engine.training import Run, TrainConfig

BIG = 1 << 30   # a byte bound that never binds


def make_run(opt=OptimizerSpec.torch_adam(lr=0.01), dtype="float64", seed=5):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2, 50))
    y = (X[0] * X[1] > 0).astype(int)
    spec = NetworkSpec(hidden=(6, 4), activations=("relu", "tanh"))
    return Run(spec, X[:, :40], y[:40], X[:, 40:], y[40:], TrainConfig(opt, batch_size=7, dtype=dtype), seed)


def weights(run):
    return [w.copy() for pair in layer_params(run.model) for w in pair]


def assert_same_weights(a, b):
    for x, y in zip(weights(a), weights(b), strict=True):
        np.testing.assert_array_equal(x, y)
        assert x.dtype == y.dtype


@pytest.mark.parametrize("opt", [OptimizerSpec.torch_adam(lr=0.01), OptimizerSpec(lr=0.1, momentum=0.9)],
                         ids=["adam", "sgd-momentum"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_continuing_from_a_checkpoint_is_the_uninterrupted_run(opt, dtype):
    straight = make_run(opt, dtype)
    straight.train_epochs(12)
    branched = make_run(opt, dtype)
    timeline = Timeline()
    for _ in range(9):
        branched.train_epochs(1)
        timeline.record(branched, 100, BIG)
    again = timeline.restore(4, branched)   # not handed over yet: still at hand
    assert (again.epoch, again.step, again.history["epoch"]) == (4, 4 * 6, [1, 2, 3, 4])
    again.train_epochs(8)
    assert_same_weights(again, straight)
    assert again.history == straight.history
    assert again.optimizer.state()[0] == straight.optimizer.state()[0]


def test_a_checkpoint_keeps_the_rate_it_was_trained_with():
    run = make_run(OptimizerSpec(lr=0.1))
    run.train_epochs(2)
    blob = capture(run)
    run.set_config(TrainConfig(OptimizerSpec(lr=0.5), batch_size=7))
    run.train_epochs(1)
    assert restore(blob, run).config.optimizer.lr == 0.1


def test_a_checkpoint_is_taken_between_epochs_only():
    run = make_run()
    assert at_epoch_end(run)
    run.train_steps(3)
    assert not at_epoch_end(run)
    with pytest.raises(ValueError, match="between epochs"):
        capture(run)


def test_steps_to_epoch_end_counts_from_where_the_epoch_is():
    run = make_run(OptimizerSpec(lr=0.1))
    assert steps_to_epoch_end(run) == 6          # 40 points, batches of 7
    run.train_steps(2)
    assert steps_to_epoch_end(run) == 4          # 26 points left
    run.set_config(TrainConfig(OptimizerSpec(lr=0.1), batch_size=20))
    assert steps_to_epoch_end(run) == 2          # the same 26 points, in batches of 20
    run.train_steps(2)
    assert at_epoch_end(run) and run.epoch == 1


def test_a_checkpoint_does_not_fit_another_network():
    run = make_run()
    other = Run(NetworkSpec(hidden=(3,), activations=("relu",)), run.X_train, run.y_train, run.X_val, run.y_val,
                run.config, 5)
    with pytest.raises(ValueError, match="numbers"):
        restore(capture(run), other)


def test_keep_epochs_under_the_bounds_keeps_all():
    assert keep_epochs([0, 1, 2, 3], [10] * 4, 2, 10, 100) == [0, 1, 2, 3]
    assert keep_epochs([], [], None, 10, 100) == []


def test_keep_epochs_the_documented_rule():
    epochs = list(range(0, 21))
    # 10: the latest 5 kept, older on multiples of 4, and epoch 7 (the lowest loss)
    assert keep_epochs(epochs, [1] * 21, 7, 10, BIG) == [0, 4, 7, 8, 12, 16, 17, 18, 19, 20]
    # the bytes bind before the count: fewer, by the same rule
    assert keep_epochs(epochs, [1] * 21, 7, 10, 6) == [0, 7, 16, 18, 19, 20]
    # the three that always stay, then the lowest loss goes, then the first
    assert keep_epochs(epochs, [1] * 21, 7, 10, 3) == [0, 7, 20]
    assert keep_epochs(epochs, [1] * 21, 7, 10, 2) == [0, 20]
    assert keep_epochs(epochs, [1] * 21, 7, 10, 1) == [20]
    assert keep_epochs(epochs, [2] * 21, 7, 10, 1) == []


def test_recording_a_long_run_stays_within_the_bounds_and_keeps_what_it_promises():
    rng = np.random.default_rng(0)
    kept, losses = [], {}
    for epoch in range(0, 600):
        losses[epoch] = float(rng.random())
        kept = keep_epochs(kept + [epoch], [100] * (len(kept) + 1), min(losses, key=losses.get), 40, 3000)
        assert len(kept) <= 30 and kept[0] == 0 and kept[-1] == epoch   # 3000 bytes: 30 of 100
        assert min(losses, key=losses.get) in kept
        assert kept[-15:] == list(range(epoch - 14, epoch + 1))[-len(kept[-15:]):]


def test_a_timeline_bounds_its_bytes_and_says_when_one_checkpoint_is_too_large():
    run = make_run()
    timeline = Timeline()
    one = len(capture(run))
    for _ in range(30):
        timeline.record(run, 100, 5 * one + one // 2)
        assert timeline.nbytes <= 5 * one + one // 2
        run.train_epochs(1)
    assert len(timeline.epochs) >= 3 and timeline.epochs[0] == 0 and timeline.refused == 0
    small = Timeline()
    small.record(run, 100, one // 2)
    assert small.epochs == [] and small.refused > one // 2
    # arrays over the bound are not even compressed: 3 x 6 + 7 x 4 + 5 x 2 = 56 numbers, 3 arrays (Adam)
    assert raw_size(run) == 56 * 3 * 8
    tiny = Timeline()
    tiny.record(run, 100, 56 * 3 * 8 - 1)
    assert tiny.epochs == [] and tiny.refused == 56 * 3 * 8


def test_the_index_round_trips_and_the_checkpoints_are_handed_over_once():
    run = make_run()
    timeline, stored = Timeline(), {}
    for _ in range(5):
        timeline.record(run, 100, BIG)
        run.train_epochs(1)
    new, gone = timeline.take_changes()
    assert sorted(new) == ["0.0", "0.1", "0.2", "0.3", "0.4"] and gone == []
    assert timeline.take_changes() == ({}, [])
    stored.update(new)
    data = timeline.to_bytes()
    assert len(data) == 16 + 5 * 12           # the index only: no checkpoint in it
    again = Timeline.from_bytes(data)
    assert again.epochs == [0, 1, 2, 3, 4] and again.to_bytes() == data and again.nbytes == timeline.nbytes
    assert_same_weights(again.restore(3, run, stored.get), restore(new["0.3"], run))
    with pytest.raises(CheckpointMissing):
        again.restore(3, run, {}.get)        # handed over, then lost where it was kept
    with pytest.raises(KeyError):
        again.restore(7, run, stored.get)
    again.cut(2)
    assert again.epochs == [0, 1, 2] and again.take_changes() == ({}, ["0.3", "0.4"])
    assert Timeline.from_bytes(again.to_bytes()).epochs == [0, 1, 2]


def test_thinning_hands_over_what_went_and_a_new_timeline_never_reuses_a_name():
    run = make_run()
    timeline = Timeline()
    for _ in range(3):
        timeline.record(run, 3, BIG)
        run.train_epochs(1)
    assert sorted(timeline.take_changes()[0]) == ["0.0", "0.1", "0.2"]
    for _ in range(2):
        timeline.record(run, 3, BIG)      # epochs 3 and 4 over a bound of 3; 1 is the lowest loss
        run.train_epochs(1)
    assert timeline.epochs == [0, 1, 4] and best_epoch(run.history) == 1
    # 2 went after it was handed over; 3 came and went unsaved
    new, gone = timeline.take_changes()
    assert list(new) == ["0.4"] and gone == ["0.2"]
    timeline.record(run, 100, BIG)
    timeline.cut(4)                       # epoch 5 taken and cut before it was handed over
    assert timeline.take_changes() == ({}, [])
    timeline.clear()
    assert timeline.epochs == [] and timeline.generation == 1
    timeline.record(run, 3, BIG)
    new, gone = timeline.take_changes()
    assert list(new) == ["1.5"] and sorted(gone) == ["0.0", "0.1", "0.4"]
    assert Timeline.from_bytes(timeline.to_bytes()).generation == 1


def test_a_checkpoint_thinned_and_taken_again_is_set_not_dropped():
    run = make_run()
    timeline = Timeline()
    for _ in range(3):
        timeline.record(run, 100, BIG)
        run.train_epochs(1)
    timeline.take_changes()
    timeline.cut(0)
    run = make_run()
    run.train_epochs(1)
    timeline.record(run, 100, BIG)
    new, gone = timeline.take_changes()
    assert list(new) == ["0.1"] and gone == ["0.2"]


def test_forget_takes_an_epoch_off_the_index():
    run = make_run()
    timeline = Timeline()
    timeline.record(run, 100, BIG)
    timeline.take_changes()
    timeline.forget(0)
    timeline.forget(9)
    assert timeline.epochs == [] and timeline.nbytes == 0


@pytest.mark.parametrize("data", [b"", b"CRT2", b"XXXX" + b"\x00" * 12, b"CRT1" + b"\x00" * 12,
                                  b"CRT2\x01" + b"\x00" * 11,
                                  b"CRT2\x01" + b"\x00" * 11 + b"\x01\x00\x00\x00\x09\x00\x00\x00ab"])
def test_bad_timeline_bytes(data):
    with pytest.raises(ValueError):
        Timeline.from_bytes(data)


def test_best_epoch():
    assert best_epoch({"epoch": [1, 2, 3], "val_loss": [0.5, None, 0.5]}) == 1
    assert best_epoch({"epoch": [1], "val_loss": [None]}) is None


def test_repr():
    assert repr(Timeline()) == "Timeline(0 epochs none, 0 bytes)"


def test_an_epoch_past_two_to_the_32_is_kept_in_the_index():
    """A session resumed at a large epoch counter (an import allows up to
    10**12) keeps that epoch in its index like any other."""
    timeline = Timeline({2**32 + 5: 100, 10**12: 200}, 0, 3)
    again = Timeline.from_bytes(timeline.to_bytes())
    assert again.epochs == [2**32 + 5, 10**12] and again.nbytes == 300

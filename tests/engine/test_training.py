import math
import time

import numpy as np
import pytest

from engine import Sequential
from engine.network import NetworkSpec, build_network, layer_params, one_hot, predict_proba
from engine.optim import Adam, OptimizerSpec, SGD
from engine.history import HISTORY_KEYS, HISTORY_POINTS
from engine.training import Run, TrainConfig

from .torch_parity import assert_adam_matches_torch

SPEC = NetworkSpec(hidden=(6, 4), activations=("tanh", "relu"), n_classes=3)


def blobs(n, k=3, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % k
    centres = np.array([[2.0, -2.0, 0.0, 2.0], [0.0, 0.0, 2.5, 2.0]])[:, labels % 4]
    return centres + rng.normal(0, 0.7, (2, n)), labels


def make_run(spec=SPEC, n=40, n_val=12, config=TrainConfig(), seed=3):
    X, y = blobs(n + n_val, spec.n_classes)
    return Run(spec, X[:, :n], y[:n], X[:, n:], y[n:], config, seed)


def weights(run):
    return [a.copy() for pair in layer_params(run.model) for a in pair]


def test_initial_weights_are_build_network_from_the_seed():
    run = make_run(seed=11)
    ref = build_network(SPEC, np.random.default_rng(11))
    for a, b in zip(weights(run), [a for pair in layer_params(ref) for a in pair]):
        np.testing.assert_array_equal(a, b)
    assert isinstance(run.model, Sequential)
    assert (run.step, run.epoch, run.batch_in_epoch, run.state, run.diverged_at) == (0, 0, 0, "ready", None)
    assert run.history == {key: [] for key in HISTORY_KEYS}


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_same_seed_and_config_are_bit_identical(opt):
    config = TrainConfig(OptimizerSpec(opt, lr=0.05, momentum=0.5 if opt == "sgd" else 0.0), batch_size=7)
    a, b = make_run(config=config), make_run(config=config)
    la, lb = [], []
    a.train_steps(50, losses=la)
    b.train_epochs(5, losses=lb)
    b.train_steps(50 - b.step)
    assert a.step == b.step == 50
    for x, y in zip(weights(a), weights(b)):
        np.testing.assert_array_equal(x, y)
    assert a.history == b.history
    assert lb == la[:len(lb)] and len(lb) == 30
    assert a.metrics() == b.metrics()
    c = make_run(config=config, seed=4)
    c.train_steps(50)
    assert not np.array_equal(weights(a)[0], weights(c)[0])


def test_first_step_is_a_mean_gradient_step_on_the_first_shuffled_batch():
    config = TrainConfig(OptimizerSpec(lr=0.1), batch_size=5)
    run = make_run(config=config, seed=2)
    # by hand: the run's generator draws the weights, then the epoch's permutation
    rng = np.random.default_rng(2)
    net = build_network(SPEC, rng)
    order = rng.permutation(40)
    idx = order[:5]
    X = run.X_train[:, idx]
    Y = one_hot(run.y_train[idx], 3)
    P = net.forward(X)
    loss = net.loss.forward(P, Y)
    net.backward(net.loss.backward() / 5)
    net.sgd_step(0.1)
    steps = run.train_steps(1)
    assert steps == 1 and run.last_step_loss == pytest.approx(loss / 5, rel=1e-14)
    for a, b in zip(weights(run), [a for pair in layer_params(net) for a in pair]):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-16)


def test_sum_reduction_is_the_homework_gradient():
    mean = make_run(config=TrainConfig(OptimizerSpec(lr=0.5), batch_size=4, reduction="mean"), seed=5)
    total = make_run(config=TrainConfig(OptimizerSpec(lr=0.5 / 4), batch_size=4, reduction="sum"), seed=5)
    mean.train_steps(1)
    total.train_steps(1)
    for a, b in zip(weights(mean), weights(total)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-16)
    assert mean.last_step_loss == total.last_step_loss   # reported per point either way


def test_epochs_batches_and_history():
    run = make_run(n=10, n_val=0, config=TrainConfig(batch_size=3))
    assert run.batches_per_epoch == 4                 # 3 + 3 + 3 + 1
    assert run.train_steps(3) == 3
    assert (run.epoch, run.batch_in_epoch) == (0, 3)
    run.train_steps(1)
    assert (run.step, run.epoch, run.batch_in_epoch) == (4, 1, 0)
    m = run.metrics()
    assert run.history["epoch"] == [1]
    assert run.history["train_loss"] == [m["train_loss"]] and run.history["train_acc"] == [m["train_acc"]]
    assert run.history["val_loss"] == [None] and run.history["val_acc"] == [None]
    assert m["val_loss"] is None and m["val_acc"] is None
    run.train_steps(2)
    assert run.train_epochs(2) == 2 + 4               # finishes the current epoch, then one more
    assert (run.epoch, run.batch_in_epoch, len(run.history["epoch"])) == (3, 0, 3)


def test_metrics_are_mean_loss_per_point_and_accuracy():
    run = make_run()
    run.train_epochs(3)
    m = run.metrics()
    P = run.model.forward(run.X_val)
    expected = -np.mean(np.log(P[run.y_val, np.arange(run.y_val.size)]))
    assert m["val_loss"] == pytest.approx(expected, rel=1e-12)
    assert m["val_acc"] == np.mean(P.argmax(axis=0) == run.y_val)
    assert run.history["val_loss"][-1] == m["val_loss"]


def test_batch_size_is_clipped_to_the_training_set():
    run = make_run(n=8, config=TrainConfig(batch_size=100))
    assert (run.batch_size, run.batches_per_epoch) == (8, 1)
    run.train_steps(2)
    assert run.epoch == 2


@pytest.mark.parametrize("output", ["softmax", "sigmoid", "linear"])
def test_every_output_learns_two_blobs(output):
    spec = NetworkSpec(hidden=(5,), activations=("tanh",), output=output, n_classes=2)
    run = make_run(spec, n=60, config=TrainConfig(OptimizerSpec(lr=0.1), batch_size=10))
    before = run.metrics()["train_loss"]
    run.train_epochs(30)
    after = run.metrics()
    assert after["train_loss"] < before / 3
    assert after["train_acc"] > 0.95 and after["val_acc"] > 0.9


def test_deadline_stops_between_minibatches_after_at_least_one_step():
    run = make_run(config=TrainConfig(batch_size=1))
    assert run.train_steps(100, deadline=time.perf_counter() - 1) == 1
    assert run.train_epochs(5, deadline=time.perf_counter() - 1) == 1
    losses = []
    assert run.train_steps(3, losses=losses) == 3
    assert len(losses) == 3 and losses[-1] == run.last_step_loss


def diverging_run():
    spec = NetworkSpec(hidden=(8,), activations=("linear",), output="linear", n_classes=2)
    config = TrainConfig(OptimizerSpec(lr=5.0, momentum=0.5), batch_size=8, reduction="sum")
    return make_run(spec, config=config)


def test_divergence_is_a_state_and_keeps_the_last_finite_weights():
    run = diverging_run()
    last = weights(run)
    for _ in range(200):
        if run.train_steps(1) == 0:
            break
        last = weights(run)
    assert run.state == "diverged"
    assert run.diverged_at == {"epoch": run.epoch, "step": run.step}
    for a, b in zip(weights(run), last):
        np.testing.assert_array_equal(a, b)
        assert np.isfinite(a).all()
    assert run.train_steps(10) == 0 and run.train_epochs(1) == 0
    assert run.diverged_at is not None
    assert not run.optimizer.buf.any()                # a fresh optimiser state


def test_divergence_recovers_with_a_lower_rate_or_reset():
    run = diverging_run()
    run.train_steps(200)
    assert run.state == "diverged"
    run.set_config(TrainConfig(OptimizerSpec(lr=5.0, momentum=0.5), batch_size=4, reduction="sum"))
    assert run.state == "diverged"                    # not a lower rate
    assert np.linalg.norm(np.concatenate([w.ravel() for w in weights(run)])) <= 1e6
    run.set_config(TrainConfig(OptimizerSpec(lr=1e-9), batch_size=8, reduction="sum"))
    assert run.state == "training" and run.diverged_at is None
    assert run.train_steps(5) == 5 and run.state == "training"
    run2 = diverging_run()
    run2.train_steps(200)
    run2.reset()
    assert run2.state == "ready" and run2.step == 0 and run2.history["epoch"] == []
    fresh = diverging_run()
    for a, b in zip(weights(run2), weights(fresh)):
        np.testing.assert_array_equal(a, b)


def test_set_config_keeps_weights_and_moments_unless_the_kind_changes():
    run = make_run(config=TrainConfig(OptimizerSpec.torch_adam(lr=0.01)))
    run.train_steps(5)
    w = weights(run)
    opt = run.optimizer
    m = opt.m.copy()
    run.set_config(TrainConfig(OptimizerSpec.torch_adam(lr=0.002, beta1=0.8), batch_size=3))
    assert run.optimizer is opt and opt.t == 5
    np.testing.assert_array_equal(opt.m, m)
    for a, b in zip(weights(run), w):
        np.testing.assert_array_equal(a, b)
    run.train_steps(1)
    assert run.optimizer.spec.beta1 == 0.8
    run.set_config(TrainConfig(OptimizerSpec("sgd", lr=0.1, momentum=0.9)))
    assert isinstance(run.optimizer, SGD) and not run.optimizer.buf.any()
    run.set_config(TrainConfig(OptimizerSpec.torch_adam()))
    assert isinstance(run.optimizer, Adam) and run.optimizer.t == 0


def test_batch_size_change_mid_epoch_continues_the_epoch():
    run = make_run(n=10, n_val=0, config=TrainConfig(batch_size=4))
    run.train_steps(1)
    run.set_config(TrainConfig(batch_size=3))
    run.train_steps(2)                                # points 4..6, 7..9
    assert (run.epoch, run.batch_in_epoch) == (1, 0)


def test_reset_with_a_new_seed():
    run = make_run(seed=1)
    run.train_steps(10)
    run.reset(seed=9)
    assert run.seed == 9 and run.step == 0
    np.testing.assert_array_equal(weights(run)[0], weights(make_run(seed=9))[0])


def test_set_data_with_and_without_reinit():
    run = make_run()
    run.train_steps(7)
    w = weights(run)
    X, y = blobs(30, seed=8)
    run.set_data(X[:, :20], y[:20], X[:, 20:], y[20:], reinit=False)
    assert run.step == 7 and run.batch_in_epoch == 0 and run.X_train.shape == (2, 20)
    np.testing.assert_array_equal(weights(run)[0], w[0])
    run.set_data(X[:, :20], y[:20], X[:, 20:], y[20:], reinit=True)
    assert run.step == 0
    np.testing.assert_array_equal(weights(run)[0], weights(make_run())[0])


def test_weight_edits():
    run = make_run()
    before = run.metrics()
    run.set_weight(0, 1, 2, 0.25)
    run.set_bias(1, 3, -1.5)
    W, W0 = layer_params(run.model)[2]
    run.set_layer(2, W=np.ones(W.shape), W0=[0.5, 0.0, -0.5])
    assert layer_params(run.model)[0][0][1, 2] == 0.25
    assert layer_params(run.model)[1][1][3, 0] == -1.5
    np.testing.assert_array_equal(layer_params(run.model)[2][1].ravel(), [0.5, 0.0, -0.5])
    assert run.metrics() != before                    # the cached metrics were invalidated
    run.train_steps(1)                                # edits live in the trained parameters


def test_bad_seed_and_config_type():
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        make_run(seed=-1)
    run = make_run()
    with pytest.raises(ValueError, match="config must be a TrainConfig"):
        run.set_config(OptimizerSpec())


@pytest.mark.torch
def test_adam_run_matches_torch_full_batch_training(torch):
    spec = NetworkSpec(hidden=(5,), activations=("relu",), n_classes=3)
    run = make_run(spec, n=30, n_val=0, config=TrainConfig(OptimizerSpec.torch_adam(lr=0.01), batch_size=30))
    assert_adam_matches_torch(torch, run, torch.float64, loss_rel=1e-12, rtol=1e-9, atol=1e-12)


def test_repr():
    assert repr(make_run()).startswith("Run(NetworkSpec(input_dim=2, hidden=(6, 4)")
    assert "step=0, epoch=0, state='ready')" in repr(make_run())
    assert math.isfinite(make_run().metrics()["train_loss"])


def test_a_non_finite_loss_is_refused_before_any_update():
    # a linear output passes the overflow on: the squared loss is inf
    spec = NetworkSpec(hidden=(6,), activations=("tanh",), output="linear", n_classes=3)
    run = make_run(spec, config=TrainConfig(OptimizerSpec(lr=1e-12)))
    run.train_steps(3)
    run.set_layer(1, W=np.full((6, 3), 1e300))       # finite, but the output overflows
    w = weights(run)
    Y = one_hot(run.y_train, 3)
    with np.errstate(over="ignore"):
        assert not math.isfinite(run.model.loss.forward(run.model.forward(run.X_train), Y))
    opt = run.optimizer
    calls = []
    opt.step = lambda params, grads: calls.append(1)
    assert run.train_steps(5) == 0
    assert calls == []
    assert run.state == "diverged" and run.diverged_at == {"epoch": 0, "step": 3}
    for a, b in zip(weights(run), w):
        np.testing.assert_array_equal(a, b)
    m = run.metrics()                                  # no warning, no nan: None where undefined
    assert m["train_loss"] is None and m["val_loss"] is None


@pytest.mark.parametrize("bias, state", [(2000.0, "training"), (2e6, "diverged")])
def test_divergence_is_a_parameter_norm_past_1e6(bias, state):
    run = make_run(config=TrainConfig(OptimizerSpec(lr=1e-12)))
    run.train_steps(1)
    run.set_bias(0, 0, bias)                           # the norm is about the bias
    assert run.train_steps(1) == (state == "training")
    assert run.state == state
    assert run.model.modules[0].W0[0, 0] == pytest.approx(bias, rel=1e-9)


@pytest.mark.parametrize("output, k", [("softmax", 3), ("sigmoid", 2), ("linear", 3)])
def test_predicted_classes_follow_the_weights_and_the_data(output, k):
    spec = NetworkSpec(hidden=(5,), activations=("relu",), output=output, n_classes=k)
    run = make_run(spec=spec)

    def independent():
        X = np.hstack([run.X_train, run.X_val])
        return predict_proba(run.model, X).argmax(axis=0)

    run.train_steps(7)
    np.testing.assert_array_equal(run.predicted_classes(), independent())
    run.set_bias(0, 0, 50.0)   # a weight edit changes what the network predicts
    np.testing.assert_array_equal(run.predicted_classes(), independent())
    X, y = blobs(10, k, seed=9)
    run.set_data(X, y, run.X_val, run.y_val, reinit=False)
    assert run.predicted_classes().shape == (10 + run.X_val.shape[1],)
    np.testing.assert_array_equal(run.predicted_classes(), independent())


def full_batch_steps(run, n):
    """n full-batch steps done by hand the homework's way: forward over all
    training points in their order, mean gradient, the optimiser's step."""
    net = build_network(run.spec, np.random.default_rng(run.seed))
    Y = one_hot(run.y_train, run.spec.n_classes)
    for _ in range(n):
        net.loss.forward(net.forward(run.X_train), Y)
        net.backward(net.loss.backward() / run.X_train.shape[1])
        net.sgd_step(run.config.optimizer.lr)
    return [a for pair in layer_params(net) for a in pair]


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_a_full_batch_step_is_the_gradient_over_every_point_in_order(activation):
    """With one minibatch per epoch nothing is shuffled (the gradient is the same
    in any order) and no permutation is drawn."""
    spec = NetworkSpec(hidden=(6, 4), activations=(activation, "relu"), n_classes=3)
    run = make_run(spec=spec, config=TrainConfig(OptimizerSpec(lr=0.2), batch_size=1000))
    state = run.snapshot().rng
    run.train_steps(4)
    assert run.snapshot().rng == state
    for a, b in zip(weights(run), full_batch_steps(run, 4)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_a_full_batch_step_reuses_the_evaluation_pass_and_gives_the_same_bits(monkeypatch):
    """The end-of-epoch evaluation has just run every training point through the
    current weights: the next full-batch step takes that forward pass instead
    of repeating it, and the run's numbers are bit for bit those of a run that
    repeats it -- also when something else ran the network in between."""
    config = TrainConfig(OptimizerSpec("adam", lr=0.01), batch_size=400)
    reusing, repeating = make_run(config=config, n=60), make_run(config=config, n=60)
    monkeypatch.setattr(repeating, "_evaluated_forward_is_current", lambda: False)
    forwards = []
    original = reusing._fused.forward
    reusing._fused.forward = lambda X, reuse: forwards.append(X.shape[1]) or original(X, reuse)
    for run in (reusing, repeating):
        run.train_steps(3)
        predict_proba(run.model, np.zeros((2, 5)))    # a probe's pass in between
        run.train_steps(3)
    # the first step's forward, then per epoch one evaluation pass each of
    # val (12 points) and train (60); no step repeated the training pass
    assert forwards == [60] + [12, 60] * 6
    for a, b in zip(weights(reusing), weights(repeating)):
        np.testing.assert_array_equal(a, b)
    assert reusing.history == repeating.history
    assert reusing.last_step_loss == repeating.last_step_loss


def test_a_weight_edit_or_a_batch_change_is_not_served_a_stale_pass():
    config = TrainConfig(OptimizerSpec(lr=0.2), batch_size=1000)
    run, twin = make_run(config=config), make_run(config=config)
    for r in (run, twin):
        r.train_steps(2)
        r.set_weight(0, 0, 0, 0.5)
    twin._evaluated = None
    run.train_steps(1)
    twin.train_steps(1)
    for a, b in zip(weights(run), weights(twin)):
        np.testing.assert_array_equal(a, b)


def test_without_shuffle_every_epoch_takes_the_points_in_their_order():
    config = TrainConfig(OptimizerSpec(lr=0.05), batch_size=7, shuffle=False)
    a, b = make_run(config=config, seed=1), make_run(config=config, seed=2)
    for layer, (W, W0) in enumerate(layer_params(a.model)):
        b.set_layer(layer, W, W0)                      # same weights, other seeds
    a.train_epochs(3)
    b.train_epochs(3)
    for x, y in zip(weights(a), weights(b)):
        np.testing.assert_array_equal(x, y)            # the seed drew nothing but the weights
    # by hand: SGD over the minibatches 0..6, 7..13, ... of the given order
    ref = make_run(config=config, seed=1)
    net, lr = ref.model, 0.05
    X, Y = ref.X_train, one_hot(ref.y_train, 3)
    for _ in range(3):
        for start in range(0, 40, 7):
            P = net.forward(X[:, start:start + 7])
            net.loss.forward(P, Y[:, start:start + 7])
            net.backward(net.loss.backward() / P.shape[1])
            net.sgd_step(lr)
    for x, y in zip(weights(a), [w for pair in layer_params(net) for w in pair]):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-15)


def test_epoch_loss_as_the_sum_of_batch_means_over_n():
    run = make_run(n=10, n_val=7, config=TrainConfig(batch_size=4, epoch_loss="batch_means"))
    run.train_steps(2)

    def point_losses(X, y):
        P = predict_proba(run.model, X)
        return -np.log(P[y, np.arange(y.size)])

    lt, lv = point_losses(run.X_train, run.y_train), point_losses(run.X_val, run.y_val)
    m = run.metrics()
    assert m["train_loss"] == pytest.approx((lt[:4].mean() + lt[4:8].mean() + lt[8:].mean()) / 10, rel=1e-12)
    assert m["val_loss"] == pytest.approx((lv[:4].mean() + lv[4:].mean()) / 7, rel=1e-12)
    plain = make_run(n=10, n_val=7, config=TrainConfig(batch_size=4))
    plain.train_steps(2)
    assert plain.metrics()["val_loss"] == pytest.approx(lv.mean(), rel=1e-12)


def test_a_long_run_keeps_a_bounded_history_with_its_exact_minimum():
    X = np.array([[-1.0, 1.0], [0.5, -0.5]])
    run = Run(NetworkSpec(2, (), (), "softmax", 2), X, np.array([0, 1]), np.array([[0.9], [0.1]]),
              np.array([0]), TrainConfig(OptimizerSpec("sgd", 0.5), batch_size=2), seed=1)
    seen = {}
    for _ in range(3 * HISTORY_POINTS):
        run.train_epochs(1)
        seen[run.history["epoch"][-1]] = tuple(run.history[k][-1] for k in HISTORY_KEYS[1:])
        assert len(run.history["epoch"]) <= HISTORY_POINTS
    assert run.epoch == 3 * HISTORY_POINTS and run.history["epoch"][-1] == run.epoch
    kept = list(zip(*(run.history[k] for k in HISTORY_KEYS)))
    assert all(seen[row[0]] == row[1:] for row in kept)           # every kept epoch exact
    best = min(seen, key=lambda e: seen[e][2])
    assert best == 1 and best in run.history["epoch"]   # odd and oldest: only kept as the best
    assert min(run.history["val_loss"]) == seen[best][2]

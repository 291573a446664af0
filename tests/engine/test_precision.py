"""A run that computes in float32 (TrainConfig.dtype), against float64 and PyTorch."""
import math
import warnings

import numpy as np
import pytest

from engine.network import NetworkSpec, layer_params
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig

from .torch_parity import assert_adam_matches_torch

SPEC = NetworkSpec(hidden=(6, 4), activations=("tanh", "relu"), n_classes=3)
F32 = np.dtype(np.float32)


def blobs(n, k=3, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % k
    centres = np.array([[2.0, -2.0, 0.0, 2.0], [0.0, 0.0, 2.5, 2.0]])[:, labels % 4]
    return centres + rng.normal(0, 0.7, (2, n)), labels


def make_run(spec=SPEC, n=40, n_val=12, seed=3, dtype="float32", **config):
    X, y = blobs(n + n_val, spec.n_classes)
    return Run(spec, X[:, :n], y[:n], X[:, n:], y[n:], TrainConfig(dtype=dtype, **config), seed)


def weights(run):
    return [a.copy() for pair in layer_params(run.model) for a in pair]


def test_bad_dtype_is_rejected():
    with pytest.raises(ValueError, match="dtype must be one of"):
        TrainConfig(dtype="float16")
    assert TrainConfig().dtype == "float64"


@pytest.mark.parametrize("opt", [OptimizerSpec("sgd", lr=0.1, momentum=0.5), OptimizerSpec.torch_adam(lr=0.01)])
@pytest.mark.parametrize("output, k", [("softmax", 3), ("sigmoid", 2), ("linear", 3)])
def test_a_float32_run_learns(opt, output, k):
    spec = NetworkSpec(hidden=(6, 4), activations=("tanh", "relu"), output=output, n_classes=k)
    run = make_run(spec, optimizer=opt, batch_size=8)
    before = run.metrics()["train_loss"]
    run.train_epochs(15)
    assert run.state == "training"
    assert run.metrics()["train_loss"] < 0.5 * before
    assert run.history["train_acc"][-1] > 0.8


@pytest.mark.parametrize("opt, state", [(OptimizerSpec("sgd", lr=0.1, momentum=0.9), {"buf"}),
                                        (OptimizerSpec.torch_adam(), {"m", "v"})])
def test_everything_the_step_computes_is_float32(opt, state):
    run = make_run(optimizer=opt, batch_size=5)
    run.train_steps(3)
    assert run.dtype == F32
    assert run._fused.params.dtype == run._fused.grads.dtype == F32
    assert all(a.dtype == F32 for a in weights(run))
    assert all(lin.dLdW.dtype == lin.dLdW0.dtype == F32 for lin in run._linears)
    arrays = run.optimizer.state()[1]
    assert set(arrays) == state and all(a.dtype == F32 for a in arrays.values())
    assert run._X_epoch.dtype == run._Y_epoch.dtype == run._Xc_train.dtype == run._Y_train.dtype == F32
    last = run._fused.forward(run._X_epoch, reuse=True)   # the arrays of a step's pass
    assert all(a.dtype == F32 for a in [*last.inputs, *last.Z, last.Z_out, last.Ypred, last.lse])
    buffers = run._fused._buffers
    assert buffers and all(A.dtype == F32 for layers in buffers.values() for A, _ in layers)
    # the points as given, the metrics and the history stay float64 / Python floats
    assert run.X_train.dtype == run.X_val.dtype == np.float64
    run.train_epochs(1)
    assert all(type(v) is float for v in run.history["train_loss"] + run.history["val_loss"])
    assert type(run.last_step_loss) is float and type(run.metrics()["train_loss"]) is float


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_same_seed_config_and_dtype_are_bit_identical(opt):
    config = dict(optimizer=OptimizerSpec(opt, lr=0.05, momentum=0.5 if opt == "sgd" else 0.0), batch_size=7)
    a, b = make_run(**config), make_run(**config)
    la, lb = [], []
    a.train_steps(50, losses=la)
    b.train_epochs(5, losses=lb)
    b.train_steps(50 - b.step)
    for x, y in zip(weights(a), weights(b)):
        assert x.dtype == F32
        np.testing.assert_array_equal(x, y)
    assert a.history == b.history and lb == la[:len(lb)]
    assert a.metrics() == b.metrics()
    c = make_run(dtype="float64", **config)   # float32 is really another computation
    c.train_steps(50)
    assert not np.array_equal(weights(a)[0], weights(c)[0])
    np.testing.assert_allclose(weights(a)[0], weights(c)[0], rtol=1e-3, atol=1e-4)


def test_one_sgd_step_on_a_hand_set_network_matches_float64_by_hand():
    spec = NetworkSpec(hidden=(2,), activations=("relu",), n_classes=2)
    X = np.array([[1.0, 2.0, -1.0, 0.5], [0.5, -1.0, 2.0, 1.5]])
    y = np.array([0, 1, 1, 0])
    W1, b1 = np.array([[0.3, -0.7], [0.6, 0.2]]), np.array([[0.1], [0.4]])
    W2, b2 = np.array([[0.9, -0.4], [-0.3, 0.8]]), np.array([[0.05], [-0.05]])
    run = Run(spec, X, y, np.zeros((2, 0)), np.zeros(0, int),
              TrainConfig(OptimizerSpec(lr=0.5), batch_size=4, dtype="float32"), 0)
    run.set_layer(0, W1, b1)
    run.set_layer(1, W2, b2)
    # the reference, in float64 from the float32 weights the run holds
    W1, b1, W2, b2 = (a.astype(np.float32).astype(np.float64) for a in (W1, b1, W2, b2))
    Y = np.eye(2)[:, y]
    Z1 = W1.T @ X + b1
    A1 = np.maximum(Z1, 0)
    Z2 = W2.T @ A1 + b2
    P = np.exp(Z2 - Z2.max(axis=0))
    P /= P.sum(axis=0)
    loss = -np.sum(Y * np.log(P)) / 4
    dZ2 = (P - Y) / 4
    dZ1 = (W2 @ dZ2) * (Z1 > 0)
    expected = [W1 - 0.5 * X @ dZ1.T, b1 - 0.5 * dZ1.sum(axis=1, keepdims=True),
                W2 - 0.5 * A1 @ dZ2.T, b2 - 0.5 * dZ2.sum(axis=1, keepdims=True)]
    assert run.train_steps(1) == 1
    assert run.last_step_loss == pytest.approx(loss, rel=1e-6)
    for got, want in zip(weights(run), expected):
        assert got.dtype == F32
        np.testing.assert_allclose(got, want, rtol=2e-7 * 8, atol=1e-7)
    assert not np.array_equal(weights(run)[0], expected[0])   # it did round: float32 arithmetic


@pytest.mark.torch
def test_adam_run_matches_torch_float32_full_batch_training(torch):
    spec = NetworkSpec(hidden=(5,), activations=("relu",), n_classes=3)
    run = make_run(spec, n=30, n_val=0, optimizer=OptimizerSpec.torch_adam(lr=0.01), batch_size=30)
    # float32 rounding in another order of operations: a few ulps (about 3e-8 measured)
    assert_adam_matches_torch(torch, run, torch.float32, loss_rel=1e-5, rtol=1e-5, atol=1e-6)


def diverging_run():
    spec = NetworkSpec(hidden=(8,), activations=("linear",), output="linear", n_classes=2)
    return make_run(spec, optimizer=OptimizerSpec(lr=5.0, momentum=0.5), batch_size=8, reduction="sum")


def test_divergence_in_float32_is_a_state_and_keeps_the_last_finite_weights():
    run = diverging_run()
    last = weights(run)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # no overflow warning escapes
        for _ in range(200):
            if run.train_steps(1) == 0:
                break
            last = weights(run)
        # the last good weights are usable: their loss is a number
        assert math.isfinite(run.metrics()["train_loss"])
    assert run.state == "diverged" and run.diverged_at == {"epoch": run.epoch, "step": run.step}
    for a, b in zip(weights(run), last):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == F32 and np.isfinite(a).all()
    assert np.linalg.norm(np.concatenate([w.ravel() for w in last]).astype(np.float64)) <= 1e6
    assert run.optimizer.buf.dtype == F32 and not run.optimizer.buf.any()   # fresh state
    assert run.train_steps(5) == 0


def test_a_float32_overflow_in_the_forward_pass_is_refused():
    run = make_run()
    run.train_steps(3)
    w = weights(run)
    # finite in float32, but the second layer's products pass 3.4e38
    run.set_layer(1, W=np.full((6, 4), 1e20))
    run.set_layer(2, W=np.full((4, 3), 1e20) * np.array([1.0, -1.0, 0.5]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert run.train_steps(5) == 0
    assert run.state == "diverged" and run.diverged_at == {"epoch": 0, "step": 3}
    np.testing.assert_array_equal(weights(run)[0], w[0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_loss_of_a_confidently_wrong_run_is_exact(dtype):
    spec = NetworkSpec(hidden=(), activations=(), n_classes=2)
    run = make_run(spec, n=10, n_val=0, dtype=dtype, optimizer=OptimizerSpec(lr=1e-9))
    # class 0 certain everywhere: p(class 1) = exp(-400) is 0 in float32 and
    # the loss of each class-1 point is 400 nats (+ log(1 + e^-400))
    run.set_layer(0, W=np.zeros((2, 2)), W0=[200.0, -200.0])
    ones = np.count_nonzero(run.y_train == 1)
    assert run.metrics()["train_loss"] == pytest.approx(400.0 * ones / 10, rel=1e-6)
    assert run.train_steps(1) == 1 and run.state == "training"
    assert run.last_step_loss == pytest.approx(400.0 * ones / 10, rel=1e-6)


def test_weights_beyond_float32_are_refused():
    run = make_run()
    with pytest.raises(ValueError, match="must fit float32"):
        run.set_weight(0, 0, 0, 1e39)
    with pytest.raises(ValueError, match="beyond float32's range"):
        run.set_layer(0, W0=[1e39] * 6)
    X, y = blobs(5)
    X[0, 0] = 1e39
    with pytest.raises(ValueError, match="X_train has a value beyond float32's range"):
        run.set_data(X, y, run.X_val, run.y_val, reinit=False)


def test_changing_the_dtype_converts_weights_and_optimiser_state_in_place():
    adam = OptimizerSpec.torch_adam(lr=0.01)
    run = make_run(dtype="float64", optimizer=adam, batch_size=7)
    run.train_steps(3)                                  # mid-epoch
    w64, m64, v64 = weights(run), run.optimizer.m.copy(), run.optimizer.v.copy()
    counters = (run.step, run.epoch, run.batch_in_epoch)
    run.set_config(TrainConfig(adam, batch_size=7, dtype="float32"))
    assert run.dtype == F32 and (run.step, run.epoch, run.batch_in_epoch) == counters
    for got, was in zip(weights(run), w64):
        np.testing.assert_array_equal(got, was.astype(np.float32))
    np.testing.assert_array_equal(run.optimizer.m, m64.astype(np.float32))
    np.testing.assert_array_equal(run.optimizer.v, v64.astype(np.float32))
    assert run.optimizer.t == 3 and run._X_epoch.dtype == F32
    # the same as a float32 run handed these weights and moments
    twin = make_run(dtype="float32", optimizer=adam, batch_size=7)
    twin.train_steps(3)
    twin._fused.params[...] = run._fused.params
    twin.optimizer.m[...], twin.optimizer.v[...] = run.optimizer.m, run.optimizer.v
    run.train_steps(10)
    twin.train_steps(10)
    for a, b in zip(weights(run), weights(twin)):
        np.testing.assert_array_equal(a, b)
    w32 = weights(run)
    run.set_config(TrainConfig(adam, batch_size=7))    # back to float64: exact
    for got, was in zip(weights(run), w32):
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, was)
    assert run.optimizer.m.dtype == np.float64 and run.train_steps(2) == 2


def test_a_conversion_that_does_not_fit_changes_nothing():
    run = make_run(dtype="float64")
    run.set_layer(0, W=np.full((2, 6), 1e300))
    w = weights(run)
    with pytest.raises(ValueError, match="beyond float32's range"):
        run.set_config(TrainConfig(dtype="float32"))
    assert run.dtype == np.float64 and run.config.dtype == "float64"
    for a, b in zip(weights(run), w):
        np.testing.assert_array_equal(a, b)


def test_optimiser_state_beyond_float32_starts_afresh_on_conversion():
    adam = OptimizerSpec.torch_adam(lr=0.01)
    run = make_run(dtype="float64", optimizer=adam)
    run.train_steps(3)
    run.optimizer.v[0] = 1e40                          # a squared gradient of 1e20
    run.set_config(TrainConfig(adam, dtype="float32"))
    assert run.optimizer.t == 0 and not run.optimizer.m.any() and not run.optimizer.v.any()
    assert run.optimizer.v.dtype == F32 and run.train_steps(1) == 1

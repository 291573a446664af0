import math

import numpy as np
import pytest

from engine.optim import OPTIMIZERS, SGD, Adam, OptimizerSpec, make_optimizer


@pytest.mark.parametrize("kwargs, message", [
    (dict(name="rmsprop"), "unknown optimizer"),
    (dict(lr=0.0), "lr must be > 0"),
    (dict(lr=-1), "lr must be > 0"),
    (dict(lr=float("nan")), "lr must be a finite number"),
    (dict(lr="0.1"), "lr must be a finite number"),
    (dict(lr=True), "lr must be a finite number"),
    (dict(momentum=1.0), r"momentum must be in \[0, 1\)"),
    (dict(momentum=-0.1), r"momentum must be in \[0, 1\)"),
    (dict(beta1=1.0), r"beta1 must be in \[0, 1\)"),
    (dict(beta2=1.5), r"beta2 must be in \[0, 1\)"),
    (dict(eps=0.0), "eps must be > 0"),
    (dict(weight_decay=-1e-4), "weight_decay must be >= 0"),
    (dict(weight_decay=float("inf")), "weight_decay must be a finite number"),
])
def test_spec_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        OptimizerSpec(**kwargs)


def test_defaults_follow_pytorch_for_adam():
    spec = OptimizerSpec.torch_adam()
    assert (spec.name, spec.lr, spec.beta1, spec.beta2, spec.eps, spec.weight_decay) == \
        ("adam", 1e-3, 0.9, 0.999, 1e-8, 0.0)
    assert OptimizerSpec.torch_adam(lr=0.01).lr == 0.01
    assert OptimizerSpec() == OptimizerSpec("sgd", 0.03, 0.0)
    assert type(OptimizerSpec(lr=1).lr) is float


def test_sgd_step_by_hand():
    p = np.array([1.0, -2.0])
    opt = make_optimizer(OptimizerSpec(lr=0.5), 2)
    opt.step(p, np.array([0.5, 1.0]))
    np.testing.assert_array_equal(p, [0.75, -2.5])


def test_sgd_momentum_and_weight_decay_by_hand():
    p = np.array([1.0, -2.0])
    opt = make_optimizer(OptimizerSpec(lr=0.1, momentum=0.5, weight_decay=0.25), 2)
    opt.step(p, np.array([1.0, 0.0]))
    # g = [1, 0] + 0.25 [1, -2] = [1.25, -0.5] = buf;  p = [1, -2] - 0.1 buf
    np.testing.assert_allclose(p, [0.875, -1.95], rtol=1e-15)
    opt.step(p, np.array([0.0, 1.0]))
    # g = [0, 1] + 0.25 [0.875, -1.95] = [0.21875, 0.5125];  buf = 0.5 [1.25, -0.5] + g
    buf = np.array([0.625 + 0.21875, -0.25 + 0.5125])
    np.testing.assert_allclose(opt.buf, buf, rtol=1e-15)
    np.testing.assert_allclose(p, [0.875 - 0.1 * buf[0], -1.95 - 0.1 * buf[1]], rtol=1e-15)


def test_sgd_without_momentum_leaves_the_buffer_alone():
    opt = SGD(OptimizerSpec(lr=0.1), 3)
    opt.step(np.ones(3), np.ones(3))
    np.testing.assert_array_equal(opt.buf, np.zeros(3))


def test_adam_three_steps_by_hand():
    """Loss 0.5 |p|^2, so the gradient is p itself; lr 0.1, torch defaults otherwise."""
    p = np.array([1.0, -2.0])
    opt = make_optimizer(OptimizerSpec.torch_adam(lr=0.1), 2)
    opt.step(p, p.copy())
    # t = 1: m = 0.1 g, v = 0.001 g^2, so m/(1-0.9) = g and v/(1-0.999) = g^2:
    # the first step is lr * g / (|g| + eps), i.e. 0.1 in the direction of -g.
    np.testing.assert_allclose(p, [1 - 0.1 / (1 + 1e-8), -2 + 0.1 * 2 / (2 + 1e-8)], rtol=1e-15)
    p[:] = [0.9, -1.9]           # within 1e-9 of the above; round numbers from here on
    opt.step(p, p.copy())
    # t = 2: m = 0.9 * 0.1 g1 + 0.1 g2, v = 0.999 * 0.001 g1^2 + 0.001 g2^2,
    # corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999.
    m2 = np.array([0.09 * 1 + 0.1 * 0.9, 0.09 * -2 + 0.1 * -1.9])    # [0.18, -0.37]
    v2 = np.array([0.000999 * 1 + 0.001 * 0.81, 0.000999 * 4 + 0.001 * 3.61])  # [0.001809, 0.007606]
    np.testing.assert_allclose(opt.m, m2, rtol=1e-14)
    np.testing.assert_allclose(opt.v, v2, rtol=1e-14)
    p2 = np.array([0.9 - 0.1 * (0.18 / 0.19) / (math.sqrt(0.001809 / 0.001999) + 1e-8),
                   -1.9 + 0.1 * (0.37 / 0.19) / (math.sqrt(0.007606 / 0.001999) + 1e-8)])
    np.testing.assert_allclose(p, p2, rtol=1e-14)
    g3 = p.copy()
    opt.step(p, g3)
    # t = 3: corrections 1 - 0.9^3 = 0.271 and 1 - 0.999^3 = 0.002997001.
    m3 = 0.9 * m2 + 0.1 * g3
    v3 = 0.999 * v2 + 0.001 * g3 ** 2
    np.testing.assert_allclose(p, p2 - 0.1 * (m3 / 0.271) / (np.sqrt(v3 / 0.002997001) + 1e-8), rtol=1e-14)
    assert opt.t == 3


def test_adam_weight_decay_is_added_to_the_gradient():
    p = np.array([2.0])
    opt = make_optimizer(OptimizerSpec.torch_adam(lr=0.1, weight_decay=0.5), 1)
    opt.step(p, np.array([-0.5]))    # g = -0.5 + 0.5 * 2 = 0.5 > 0: a step down
    assert p[0] == pytest.approx(2.0 - 0.1 * 0.5 / (0.5 + 1e-8), rel=1e-15)


@pytest.mark.parametrize("name, keys", [("sgd", {"buf"}), ("adam", {"m", "v"})])
def test_state_round_trips(name, keys):
    spec = OptimizerSpec(name=name, lr=0.1, momentum=0.9 if name == "sgd" else 0.0)
    a, b = make_optimizer(spec, 4), make_optimizer(spec, 4)
    pa = np.arange(4.0)
    for g in (np.ones(4), np.arange(4.0)):
        a.step(pa, g.copy())
    scalars, arrays = a.state()
    assert set(arrays) == keys
    b.load_state(scalars, {k: v.copy() for k, v in arrays.items()})
    pb = pa.copy()
    a.step(pa, np.full(4, 0.3))
    b.step(pb, np.full(4, 0.3))
    np.testing.assert_array_equal(pa, pb)


def test_registry_and_repr():
    assert OPTIMIZERS == {"sgd": SGD, "adam": Adam}
    assert repr(make_optimizer(OptimizerSpec(lr=0.5, momentum=0.9), 2)) == \
        "SGD(lr=0.5, momentum=0.9, weight_decay=0.0)"
    assert repr(make_optimizer(OptimizerSpec.torch_adam(), 2)) == \
        "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, t=0)"


@pytest.mark.torch
@pytest.mark.parametrize("name, extra", [
    ("adam", dict(weight_decay=0.0)), ("adam", dict(weight_decay=0.01, lr=0.01)),
    ("sgd", dict(momentum=0.9, weight_decay=0.01)),
])
def test_matches_torch_step_for_step(name, extra, torch):
    rng = np.random.default_rng(0)
    p = rng.normal(size=7)
    spec = OptimizerSpec(name=name, **{"lr": 1e-3, **extra})
    ours = make_optimizer(spec, 7)
    tp = torch.tensor(p.copy(), dtype=torch.float64, requires_grad=True)
    if name == "adam":
        theirs = torch.optim.Adam([tp], lr=spec.lr, betas=(spec.beta1, spec.beta2), eps=spec.eps,
                                  weight_decay=spec.weight_decay)
    else:
        theirs = torch.optim.SGD([tp], lr=spec.lr, momentum=spec.momentum, weight_decay=spec.weight_decay)
    for _ in range(25):
        g = rng.normal(size=7) * 3 + p
        ours.step(p, g.copy())
        tp.grad = torch.tensor(g, dtype=torch.float64)
        theirs.step()
        # torch fuses `g + wd * p` (alpha=) in its kernels: last-bit differences only
        np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-13, atol=1e-15)

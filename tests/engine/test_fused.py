"""The fused step computes what the homework's modules compute: the same
forward pass, loss and gradients, over its flat parameter layout."""
import numpy as np
import pytest

from engine.fused import _HIDDEN, FusedStep
from engine.network import OUTPUTS, NetworkSpec, build_network, layer_params

HIDDEN = ["relu", "tanh", "sigmoid", "linear"]


def setup(activation, output, dtype="float64", b=9, seed=0):
    """(spec, model, a fused step holding the model's weights, X d x b, [X; 1s], Y)."""
    rng = np.random.default_rng(seed)
    k = 2 if output == "sigmoid" else 3
    spec = NetworkSpec(hidden=(5, 4), activations=(activation, "relu"), output=output, n_classes=k)
    model = build_network(spec, rng)
    fused = FusedStep(spec, np.dtype(dtype))
    for (W, W0), (V, V0, _, _) in zip(layer_params(model), fused.layers):
        V[...], V0[...] = W, W0
    X = rng.normal(size=(2, b))
    X1 = np.vstack([X, np.ones((1, b))]).astype(dtype)
    Y = OUTPUTS[output].targets(rng.integers(0, k, b), k)
    return spec, model, fused, X, X1, Y


def test_the_layout_is_each_layer_s_w_then_w0_and_the_views_share_it():
    spec, model, fused, _, _, _ = setup("relu", "softmax")
    expected = np.concatenate([a.ravel() for W, W0 in layer_params(model) for a in (W, W0)])
    np.testing.assert_array_equal(fused.params, expected)
    assert fused.params.size == spec.n_params()
    for W, W0, dW, dW0 in fused.layers:
        assert all(np.shares_memory(view, flat) for view, flat in
                   ((W, fused.params), (W0, fused.params), (dW, fused.grads), (dW0, fused.grads)))
        assert dW.shape == W.shape and dW0.shape == W0.shape == (W.shape[1], 1)


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("activation", HIDDEN)
def test_forward_loss_and_gradient_are_the_modules(activation, output):
    _, model, fused, X, X1, Y = setup(activation, output)
    p = fused.forward(X1, reuse=True)
    Ypred = model.forward(X)
    np.testing.assert_allclose(p.Ypred, Ypred, rtol=1e-12, atol=1e-15)
    for Z, module in zip(p.Z, model.modules[1:-1:2]):      # each hidden layer's Z and A
        np.testing.assert_allclose(Z, module.Z, rtol=1e-12, atol=1e-15)
    for inputs, module in zip(p.inputs[1:], model.modules[1:-1:2]):
        np.testing.assert_allclose(inputs[:-1], module.A, rtol=1e-12, atol=1e-15)
        assert (inputs[-1] == 1).all()
    assert all(np.array_equal(A, inputs[:-1]) for A, inputs in zip(p.A, p.inputs[1:]))
    assert fused.loss(p, Y) == pytest.approx(model.loss.forward(Ypred, Y), rel=1e-12)
    np.testing.assert_allclose(fused.point_losses(p, Y), model.loss.point_losses(Ypred, Y), rtol=1e-12)
    model.backward(model.loss.backward())
    fused.backward(p, Y, None)
    for lin, (_, _, dW, dW0) in zip(model.modules[::2], fused.layers):
        np.testing.assert_allclose(dW, lin.dLdW, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(dW0, lin.dLdW0, rtol=1e-10, atol=1e-13)


def test_a_scale_multiplies_the_gradient():
    _, _, fused, _, X1, Y = setup("tanh", "softmax", b=8)
    fused.backward(fused.forward(X1, reuse=False), Y, None)
    summed = fused.grads.copy()
    fused.backward(fused.forward(X1, reuse=False), Y, 1.0 / 8)
    np.testing.assert_allclose(fused.grads, summed / 8, rtol=1e-14)


def test_a_kept_pass_stays_while_reused_buffers_are_overwritten():
    _, _, fused, _, X1, Y = setup("relu", "softmax", b=6)
    kept = fused.forward(X1, reuse=False)
    first = fused.forward(X1, reuse=True)
    hidden = [a.copy() for a in kept.inputs[1:]]
    again = fused.forward(2 * X1, reuse=True)               # same b: the same buffers
    assert all(a is b for a, b in zip(first.inputs[1:], again.inputs[1:]))
    assert all(np.array_equal(a, b) for a, b in zip(kept.inputs[1:], hidden))
    assert not any(np.shares_memory(a, b) for a, b in zip(kept.inputs[1:], again.inputs[1:]))


def test_it_computes_in_its_dtype():
    _, model, fused, X, X1, Y = setup("sigmoid", "linear", dtype="float32")
    p = fused.forward(X1, reuse=True)
    fused.backward(p, Y.astype(np.float32), 0.5)
    assert all(a.dtype == np.float32 for a in [*p.inputs, *p.Z, *p.A, p.Z_out, p.Ypred, fused.params, fused.grads])
    np.testing.assert_allclose(p.Ypred, model.forward(X), rtol=1e-5, atol=1e-6)
    assert repr(fused) == "FusedStep(3 layers, 54 params, float32)"


def test_relu_backward_is_zero_at_zero_and_writes_over_its_input():
    # a point at the origin with zero biases puts z exactly at 0
    relu, Z = _HIDDEN["relu"](), np.array([[-2.0, 0.0, 3.0, 0.0]])
    A = np.empty_like(Z)
    relu.forward_into(Z, A)
    dLdA = np.array([[5.0, 5.0, 5.0, -7.0]])
    out = relu.backward_in_place(dLdA, Z, A)
    assert out is dLdA
    np.testing.assert_array_equal(A, [[0.0, 0.0, 3.0, 0.0]])
    np.testing.assert_array_equal(out, [[0.0, 0.0, 5.0, 0.0]])

"""A runnable script from a network, in the homework's module API (the
PyTorch script, which replays a whole run, is export_torch.py).

It takes the ``NetworkSpec`` and ``params``, the ``(W m x n, W0 n x 1)`` of
every Linear in order (``network.layer_params``), and is self-contained:
the weights are written as exact float literals (``repr`` of a float64 reads
back to the same bits), so running it reproduces the engine's predictions.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

Params = Sequence[tuple[np.ndarray, np.ndarray]]

# Homework module for each activation name (functions.ACTIVATIONS names).
MODULE_NAMES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Identity"}
# Output kind -> (output module, loss module) in the homework's pairing.
OUTPUT_MODULES = {"softmax": ("SoftMax", "NLL"), "sigmoid": ("SigmoidOutput", "BinaryNLL"),
                  "linear": ("Identity", "SquaredLoss")}


def check_params(spec, params: Params) -> None:
    """ValueError unless params has one (W m x n, W0 n x 1) per layer of spec."""
    sizes = list(spec.layer_sizes)
    if len(params) != len(sizes) - 1:
        raise ValueError(f"{len(params)} weight layers for a {len(sizes) - 1}-layer spec")
    for l, (W, W0) in enumerate(params):
        m, n = sizes[l], sizes[l + 1]
        if np.shape(W) != (m, n) or np.shape(W0) != (n, 1):
            raise ValueError(f"layer {l + 1}: W {np.shape(W)}, W0 {np.shape(W0)}; "
                             f"expected ({m}, {n}) and ({n}, 1)")


# ----------------------------------------------------------- script helpers

def _num(v: float) -> str:
    """An exact literal; non-finite values as float('nan') etc., valid in both scripts."""
    v = float(v)
    if math.isfinite(v):
        return repr(v)
    return f"float('{v}')" if v > 0 or math.isnan(v) else "-float('inf')"


def _matrix(M: np.ndarray, indent: str) -> str:
    """A 2-D array as a nested list literal, one row per line, exact floats."""
    rows = [f"[{', '.join(_num(v) for v in row)}]" for row in np.asarray(M)]
    return "[" + (",\n" + indent + " ").join(rows) + "]"


def _architecture(spec) -> str:
    sizes = "-".join(str(s) for s in spec.layer_sizes)
    acts = ", ".join(spec.activations) or "no hidden layer"
    return f"{sizes} ({acts}; {spec.output} output)"


# ------------------------------------------------------- homework NumPy script

_NUMPY_MODULES = '''\
class Module:
    def sgd_step(self, lrate):  # modules without weights
        pass


class Linear(Module):
    def __init__(self, m, n):
        self.m, self.n = m, n                       # in size, out size
        self.W0 = np.zeros([n, 1])                  # n x 1
        self.W = np.random.normal(0, m ** -0.5, [m, n])  # m x n

    def forward(self, A):                           # A: m x b
        self.A = A
        return self.W.T @ A + self.W0               # n x b

    def backward(self, dLdZ):                       # dLdZ: n x b
        self.dLdW = self.A @ dLdZ.T                 # m x n
        self.dLdW0 = dLdZ.sum(axis=1, keepdims=True)  # n x 1
        return self.W @ dLdZ                        # dLdA: m x b

    def sgd_step(self, lrate):
        self.W -= lrate * self.dLdW
        self.W0 -= lrate * self.dLdW0


class ReLU(Module):
    def forward(self, Z):
        self.A = np.maximum(0, Z)
        return self.A

    def backward(self, dLdA):                       # derivative 0 at 0
        return dLdA * (self.A > 0)


class Tanh(Module):
    def forward(self, Z):
        self.A = np.tanh(Z)
        return self.A

    def backward(self, dLdA):
        return dLdA * (1.0 - self.A ** 2)


class Sigmoid(Module):
    def forward(self, Z):
        self.A = np.exp(-np.logaddexp(0, -Z))       # 1 / (1 + e^-z) without overflow
        return self.A

    def backward(self, dLdA):
        return dLdA * self.A * (1.0 - self.A)


class SigmoidOutput(Sigmoid):                       # one output unit, P(class 2 (index 1))
    def backward(self, dLdZ):                       # paired with BinaryNLL, which returns dL/dZ
        return dLdZ

    def class_fun(self, Ypred):                     # 1 x b -> (b,)
        return (Ypred[0] > 0.5).astype(int)


class Identity(Module):
    def forward(self, Z):
        return Z

    def backward(self, dLdA):
        return dLdA

    def class_fun(self, Ypred):
        return np.argmax(Ypred, axis=0)


class SoftMax(Module):
    def forward(self, Z):                           # k x b; subtracting the max avoids overflow
        E = np.exp(Z - Z.max(axis=0, keepdims=True))
        return E / E.sum(axis=0, keepdims=True)

    def backward(self, dLdZ):                       # paired with NLL, which returns dL/dZ
        return dLdZ

    def class_fun(self, Ypred):                     # k x b -> (b,)
        return np.argmax(Ypred, axis=0)


class NLL(Module):                                  # with SoftMax: dL/dZ = Ypred - Y
    def forward(self, Ypred, Y):
        self.Ypred, self.Y = Ypred, Y
        return float(-np.sum(Y * np.log(np.clip(Ypred, 1e-300, None))))

    def backward(self):
        return self.Ypred - self.Y


class BinaryNLL(Module):                            # with a Sigmoid output: dL/dZ = p - y
    def forward(self, Ypred, Y):
        self.Ypred, self.Y = Ypred, Y
        p = np.clip(Ypred, 1e-300, 1 - 1e-16)
        return float(-np.sum(Y * np.log(p) + (1 - Y) * np.log(1 - p)))

    def backward(self):
        return self.Ypred - self.Y


class SquaredLoss(Module):                          # with an Identity output
    def forward(self, Ypred, Y):
        self.Ypred, self.Y = Ypred, Y
        return float(np.sum((Ypred - Y) ** 2))

    def backward(self):
        return 2 * (self.Ypred - self.Y)


class Sequential:
    def __init__(self, modules, loss):
        self.modules, self.loss = modules, loss

    def forward(self, Xt):                          # Xt: d x b
        for m in self.modules:
            Xt = m.forward(Xt)
        return Xt

    def backward(self, delta):                      # delta = loss.backward()
        for m in self.modules[::-1]:                # note the reversed list
            delta = m.backward(delta)

    def sgd_step(self, lrate):
        for m in self.modules:
            m.sgd_step(lrate)

    def sgd(self, X, Y, iters=100, lrate=0.005):    # X: d x N, Y: k x N (one-hot)
        for it in range(iters):
            i = np.random.randint(X.shape[1])
            Xt, Yt = X[:, i:i + 1], Y[:, i:i + 1]
            self.loss.forward(self.forward(Xt), Yt)
            self.backward(self.loss.backward())
            self.sgd_step(lrate)
'''


def numpy_script(spec, params: Params) -> str:
    """A runnable, self-contained Python script in the homework's module API
    (needs only NumPy): module definitions, ``net = Sequential([...], loss)``
    with these weights, and ``predict_proba(X)`` / ``predict(X)`` for X 2 x b."""
    check_params(spec, params)
    sizes = list(spec.layer_sizes)
    out_module, loss = OUTPUT_MODULES[spec.output]
    layers = []
    for l in range(len(sizes) - 1):
        act = MODULE_NAMES[spec.activations[l]] if l < len(spec.hidden) else out_module
        layers.append(f"Linear({sizes[l]}, {sizes[l + 1]}), {act}()")
    weights = []
    for l, (W, W0) in enumerate(params, start=1):
        weights.append(f"    # W{l}: {W.shape[0]} x {W.shape[1]}, W0{l}: {W.shape[1]} x 1\n"
                       f"    (np.array({_matrix(W, ' ' * 14)}),\n"
                       f"     np.array({_matrix(W0, ' ' * 14)})),")
    proba = {"softmax": "P",
             "sigmoid": "np.vstack([1 - P, P])  # one sigmoid unit: [P(class 1 (index 0)); P(class 2 (index 1))]",
             "linear": "SoftMax().forward(P)  # a confidence with the outputs' argmax, not calibrated",
             }[spec.output]
    proba_doc = ("the softmax of the outputs (a confidence, not a probability)"
                 if spec.output == "linear" else "class probabilities")
    example = [[-1.0, 0.0, 1.0], [0.0, 1.0, -1.0]][: spec.input_dim]
    return f'''"""A Crease network: {_architecture(spec)}.

Exported as the homework's module API, self-contained (needs only NumPy).
Columns are data points: X is d x b, Z = W.T @ A + W0, W is m x n, W0 is n x 1.
Run it to print predictions for a few points, or import it and call
predict(X) / predict_proba(X); net.sgd(X, Y) keeps training.
"""
import numpy as np


{_NUMPY_MODULES}

net = Sequential([{", ".join(layers)}], {loss}())

WEIGHTS = [  # (W, W0) of each Linear, in order
{chr(10).join(weights)}
]
for linear, (W, W0) in zip([m for m in net.modules if isinstance(m, Linear)], WEIGHTS):
    linear.W, linear.W0 = W, W0


def predict_proba(X):
    """X: {spec.input_dim} x b -> {proba_doc}, k x b."""
    P = net.forward(np.asarray(X, dtype=float))
    return {proba}


def predict(X):
    """X: {spec.input_dim} x b -> predicted class indices, shape (b,): index 0 is the homework's class 1."""
    return np.argmax(predict_proba(X), axis=0)


if __name__ == "__main__":
    X = np.array({example!r})
    print("points (columns):")
    print(X)
    print("predict_proba(X):")
    print(predict_proba(X))
    print("predict(X):", predict(X))
'''

"""Export a network: JSON, .npz, a homework-API NumPy script, a PyTorch script.

Every exporter reads the same two things: the ``NetworkSpec`` (architecture)
and ``params``, the list of ``(W, W0)`` of every Linear in order (``W`` is
m x n, ``W0`` is n x 1, as ``network.layer_params`` returns them).  The two
scripts are self-contained: they embed the weights as exact float literals
(``repr`` of a float64 reads back to the same bits), so running one
reproduces the engine's predictions.

The JSON form (``run_export`` / ``run_import``) is for a whole training run:
readable configuration, weights and history, plus the exact checkpoint
(``checkpoint.run_to_dict``) that brings the run back bit for bit.
"""
from __future__ import annotations

import io
import json
import math
from typing import Callable, Sequence

import numpy as np

from engine.checkpoint import CheckpointError, run_from_dict, run_to_dict
from engine.network import layer_params

EXPORT_FORMAT = "crease-network"
EXPORT_VERSION = 1

# Homework module for each activation name (functions.ACTIVATIONS names).
MODULE_NAMES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Identity"}
TORCH_MODULES = {"relu": "nn.ReLU()", "tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()",
                 "linear": "nn.Identity()"}
# Output kind -> (output module, loss module) in the homework's pairing.
OUTPUT_MODULES = {"softmax": ("SoftMax", "NLL"), "sigmoid": ("SigmoidOutput", "BinaryNLL"),
                  "linear": ("Identity", "SquaredLoss")}

Params = Sequence[tuple[np.ndarray, np.ndarray]]


def spec_to_dict(spec) -> dict:
    """NetworkSpec -> plain dict (lists, not tuples)."""
    return {"input_dim": int(spec.input_dim), "hidden": [int(h) for h in spec.hidden],
            "activations": list(spec.activations), "output": spec.output,
            "n_classes": int(spec.n_classes)}


def _check_params(spec, params: Params) -> None:
    sizes = list(spec.layer_sizes)
    if len(params) != len(sizes) - 1:
        raise ValueError(f"{len(params)} weight layers for a {len(sizes) - 1}-layer spec")
    for l, (W, W0) in enumerate(params):
        m, n = sizes[l], sizes[l + 1]
        if np.shape(W) != (m, n) or np.shape(W0) != (n, 1):
            raise ValueError(f"layer {l + 1}: W {np.shape(W)}, W0 {np.shape(W0)}; "
                             f"expected ({m}, {n}) and ({n}, 1)")


# -------------------------------------------------------------------- JSON

def run_export(run) -> dict:
    """A training Run as a JSON-able document: {"format", "version", "network"
    (the spec), "training" (optimizer, batch_size, reduction), "seed", "step",
    "epoch", "weights": [{"W": m x n, "W0": n}], "history", "checkpoint"}."""
    config = run.config
    return {
        "format": EXPORT_FORMAT, "version": EXPORT_VERSION,
        "network": spec_to_dict(run.spec),
        "training": {"optimizer": {f: getattr(config.optimizer, f)
                                   for f in config.optimizer.__dataclass_fields__},
                     "batch_size": config.batch_size, "reduction": config.reduction},
        "seed": run.seed, "step": run.step, "epoch": run.epoch,
        "weights": [{"W": W.tolist(), "W0": W0[:, 0].tolist()} for W, W0 in layer_params(run.model)],
        "history": {key: list(values) for key, values in run.history.items()},
        "checkpoint": run_to_dict(run),
    }


def run_import(doc: dict):
    """Inverse of run_export (also after a JSON round trip): the Run from the
    checkpoint.  The readable "weights" win where they differ from it, so a
    hand-edited file loads as edited.  Raises CheckpointError (a ValueError)."""
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise CheckpointError(f"not a Crease network export (format must be {EXPORT_FORMAT!r})")
    if doc.get("version") != EXPORT_VERSION:
        raise CheckpointError(f"unsupported export version {doc.get('version')!r}")
    run = run_from_dict(doc.get("checkpoint"))
    weights = doc.get("weights")
    if weights is None:
        return run
    params = layer_params(run.model)
    if not isinstance(weights, list) or len(weights) != len(params):
        raise CheckpointError(f"'weights' must list {len(params)} layers")
    for layer, (entry, (W, W0)) in enumerate(zip(weights, params)):
        try:
            new_W = np.array(entry["W"], dtype=np.float64)
            new_W0 = np.array(entry["W0"], dtype=np.float64)
            if not (np.array_equal(new_W, W) and np.array_equal(new_W0, W0[:, 0])):
                run.set_layer(layer, new_W, new_W0)
        except (KeyError, TypeError, ValueError) as e:
            raise CheckpointError(f"weights of layer {layer + 1}: {e}") from None
    return run


# --------------------------------------------------------------------- npz

def npz_bytes(spec, params: Params) -> bytes:
    """An .npz archive: ``W1, W01, W2, W02, ...`` (float64, the homework's shapes)
    and ``spec``, the NetworkSpec as a JSON string.  Loads with allow_pickle=False."""
    _check_params(spec, params)
    arrays = {"spec": np.array(json.dumps(spec_to_dict(spec)))}
    for l, (W, W0) in enumerate(params, start=1):
        arrays[f"W{l}"] = np.asarray(W, dtype=np.float64)
        arrays[f"W0{l}"] = np.asarray(W0, dtype=np.float64)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def read_npz(data: bytes) -> tuple[dict, list[tuple[np.ndarray, np.ndarray]]]:
    """Inverse of ``npz_bytes``: (spec dict, params)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        spec = json.loads(str(z["spec"]))
        n_layers = len(spec["hidden"]) + 1
        params = [(z[f"W{l}"], z[f"W0{l}"]) for l in range(1, n_layers + 1)]
    return spec, params


# ----------------------------------------------------------- script helpers

def _num(v: float) -> str:
    v = float(v)
    if math.isfinite(v):
        return repr(v)
    return "np.nan" if math.isnan(v) else ("np.inf" if v > 0 else "-np.inf")


def _matrix(M: np.ndarray, indent: str) -> str:
    """A 2-D array as a nested list literal, one row per line, exact floats."""
    rows = [f"[{', '.join(_num(v) for v in row)}]" for row in np.asarray(M)]
    return "[" + (",\n" + indent + " ").join(rows) + "]"


def _architecture(spec) -> str:
    sizes = "-".join(str(s) for s in list(spec.layer_sizes))
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


class SigmoidOutput(Sigmoid):                       # one output unit, P(class 1)
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
    _check_params(spec, params)
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
             "sigmoid": "np.vstack([1 - P, P])  # one sigmoid unit: [P(class 0); P(class 1)]",
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
    """X: {spec.input_dim} x b -> predicted classes, shape (b,)."""
    return np.argmax(predict_proba(X), axis=0)


if __name__ == "__main__":
    X = np.array({example!r})
    print("points (columns):")
    print(X)
    print("predict_proba(X):")
    print(predict_proba(X))
    print("predict(X):", predict(X))
'''


# ----------------------------------------------------------- PyTorch script

def pytorch_script(spec, params: Params) -> str:
    """A runnable PyTorch script that rebuilds the same network with the same
    weights (float64).  torch's Linear stores ``weight`` as n x m, i.e. the
    homework's ``W.T``, and ``bias`` as the flat n-vector ``W0``."""
    _check_params(spec, params)
    sizes = list(spec.layer_sizes)
    layers = []
    for l in range(len(sizes) - 1):
        layers.append(f"nn.Linear({sizes[l]}, {sizes[l + 1]})")
        if l < len(spec.hidden):
            layers.append(TORCH_MODULES[spec.activations[l]])
    weights = []
    for l, (W, W0) in enumerate(params, start=1):
        weights.append(f"    # layer {l}: weight = W{l}.T ({W.shape[1]} x {W.shape[0]}), "
                       f"bias = W0{l} flattened\n"
                       f"    ({_matrix(np.asarray(W).T, ' ' * 4)},\n"
                       f"     {_matrix(np.asarray(W0).reshape(1, -1), ' ' * 4)}[0]),")
    to_proba = {
        "softmax": "torch.softmax(out, dim=1)",
        "sigmoid": "torch.cat([1 - torch.sigmoid(out), torch.sigmoid(out)], dim=1)",
        "linear": "torch.softmax(out, dim=1)  # a confidence with the outputs' argmax",
    }[spec.output]
    example = [[-1.0, 0.0], [0.0, 1.0], [1.0, -1.0]] if spec.input_dim == 2 else \
        [[-1.0], [0.0], [1.0]]
    return f'''"""A Crease network: {_architecture(spec)}, rebuilt in PyTorch.

PyTorch puts data points in ROWS: a batch is b x d (the homework's X.T).
The model outputs {"logits, as nn.CrossEntropyLoss expects" if spec.output == "softmax"
                   else "the output layer's pre-activations"}; predict_proba applies the output
activation.  Run it to print predictions for a few points.
"""
import torch
from torch import nn

model = nn.Sequential(
    {(","+chr(10)+"    ").join(layers)},
).double()

WEIGHTS = [  # (weight n x m, bias n) of each nn.Linear, in order
{chr(10).join(weights)}
]
with torch.no_grad():
    for layer, (weight, bias) in zip([m for m in model if isinstance(m, nn.Linear)], WEIGHTS):
        layer.weight.copy_(torch.tensor(weight, dtype=torch.float64))
        layer.bias.copy_(torch.tensor(bias, dtype=torch.float64))


def predict_proba(points):
    """points: b x {spec.input_dim} -> b x k class probabilities."""
    with torch.no_grad():
        out = model(torch.as_tensor(points, dtype=torch.float64))
        return {to_proba}


def predict(points):
    """points: b x {spec.input_dim} -> predicted classes, shape (b,)."""
    return torch.argmax(predict_proba(points), dim=1)


if __name__ == "__main__":
    points = {example!r}
    print("predict_proba:", predict_proba(points))
    print("predict:", predict(points))
'''

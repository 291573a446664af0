"""The inspector: one point's forward pass and one SGD step, every number shown.

For one input x (d values) and a model built of Linear + activation modules,
layer l = 1..L is the homework's pair z^l = W^l.T a^(l-1) + W0^l, a^l = f^l(z^l)
with a^0 = x.  With a target, the backward pass is the one
``Sequential.backward`` does on that single point, recorded as it goes:

    dL/dz^L   what the loss's backward returns (softmax + NLL: a^L - y, ...)
    dL/da^l   = W^(l+1) dL/dz^(l+1)                    (hidden layers)
    dL/dz^l   = dL/da^l * f^l'(z^l)
    dL/dW^l   = a^(l-1) dL/dz^l.T    dL/dW0^l = dL/dz^l

and the weights after one ``sgd_step(lr)``.  The work happens on a copy, so
the model is untouched unless ``apply=True``, which then performs exactly
that update.  Results are plain dicts of lists (JSON-able; non-finite values
become None): vectors are flat lists of n values, W is m x n nested lists.
"""
from __future__ import annotations

import copy

import numpy as np

from engine.losses import NLL, BinaryNLL, SquaredLoss
from engine.modules import Linear
from engine.network import OUTPUTS, output_of

_EPS = float(np.finfo(np.float64).eps)


def _nll_dLda(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    # d/dA of -sum(Y log max(A, eps)); zero where the clip is active.
    return np.where(A > _EPS, -Y / np.maximum(A, _EPS), 0.0)


def _binary_nll_dLda(A: np.ndarray, Y: np.ndarray) -> np.ndarray:
    inside = (A > _EPS) & (A < 1.0 - _EPS)
    p = np.clip(A, _EPS, 1.0 - _EPS)
    return np.where(inside, -(Y / p) + (1.0 - Y) / (1.0 - p), 0.0)


# The loss's gradient with respect to the network's output a^L (what the
# homework calls dL/da^L); training never needs it because each loss hands
# dL/dz^L straight to its paired output module.
OUTPUT_GRADIENTS = {
    NLL: _nll_dLda,
    BinaryNLL: _binary_nll_dLda,
    SquaredLoss: lambda A, Y: 2.0 * (A - Y),
}


def _json(a) -> list | float | None:
    """Array -> nested lists with non-finite values as None; a scalar likewise."""
    a = np.asarray(a, dtype=np.float64)
    if np.isfinite(a).all():
        return a.tolist()
    return np.where(np.isfinite(a), a, None).tolist() if a.ndim else None


def _layers(model) -> list[tuple[Linear, list]]:
    """[(Linear, [modules after it up to the next Linear])] in order."""
    layers: list[tuple[Linear, list]] = []
    for m in model.modules:
        if isinstance(m, Linear):
            layers.append((m, []))
        elif layers:
            layers[-1][1].append(m)
        else:
            raise ValueError(f"the model starts with {type(m).__name__}, not a Linear")
    if not layers:
        raise ValueError("the model has no Linear module")
    return layers


def _target_matrix(target, units: int) -> tuple[np.ndarray, int | None]:
    """A class label -> one-hot units x 1 (or [[label]] for a single output
    unit); a sequence of numbers -> that column.  Returns (Y, label or None)."""
    if isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        label = int(target)
        if units == 1:
            return np.array([[float(label)]]), label
        if not 0 <= label < units:
            raise ValueError(f"target label must be in 0..{units - 1}, got {label}")
        Y = np.zeros((units, 1))
        Y[label, 0] = 1.0
        return Y, label
    Y = np.asarray(target, dtype=np.float64).reshape(-1, 1)
    if Y.shape[0] != units or not np.isfinite(Y).all():
        raise ValueError(f"target must be a class label or {units} finite numbers")
    return Y, None


def _output_reading(model, A: np.ndarray) -> tuple[list | None, int | None]:
    """(class probabilities, predicted class) of the output a^L (units x 1);
    (None, None) for a single linear output, which is a regression value."""
    try:
        out = output_of(model)
    except ValueError:
        return None, None
    if out is OUTPUTS["linear"] and A.shape[0] == 1:
        return None, None
    return _json(out.proba(A)[:, 0]), int(model.modules[-1].class_fun(A)[0])


def probe(model, x, target=None, lr: float | None = None, apply: bool = False) -> dict:
    """Forward values of every layer at x and, with a target, one SGD step.

    model: a Sequential (Linear + activation modules, e.g. from build_network)
    or a training Run (its model; ``apply`` then goes through ``Run.set_layer``
    so the run sees the change).  x: d numbers (d = the first Linear's m; a
    1-input network takes one).  target: a class label (one-hot for k outputs,
    the value itself for a single output unit) or the k target values.
    lr: the SGD rate for the weights after the step (None: gradients only).

    Returns {"x", "layers": [{"l", "activation", "m", "n", "W" (m x n), "W0" (n),
    "z" (n), "a" (n), "dLda", "dLdz" (n), "dLdW" (m x n), "dLdW0" (n),
    "W_after", "W0_after"}], "output": {"a", "probs", "class"}, "target":
    {"label", "y"} | None, "loss", "lr", "dLdx" (d), "applied"}; backward
    fields are None without a target, *_after ones without lr.
    """
    run = model if hasattr(model, "set_layer") else None
    original = run.model if run is not None else model
    layers = _layers(original)
    x = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    if x.shape[0] != layers[0][0].m or not np.isfinite(x).all():
        raise ValueError(f"x must be {layers[0][0].m} finite numbers")
    if apply and (target is None or lr is None):
        raise ValueError("applying a step needs a target and a rate")
    if lr is not None and not np.isfinite(lr):
        raise ValueError("lr must be finite")

    net = copy.deepcopy(original)
    work = _layers(net)
    forward = []
    A = x
    with np.errstate(all="ignore"):   # a non-finite value is shown as None, not raised
        for lin, acts in work:
            Z = lin.forward(A)
            A = Z
            for act in acts:
                A = act.forward(A)
            forward.append((Z, A))
        probs, klass = _output_reading(net, A)
    result = {
        "x": _json(x[:, 0]),
        "layers": [],
        "output": {"a": _json(A[:, 0]), "probs": probs, "class": klass},
        "target": None, "loss": None, "lr": lr, "dLdx": None, "applied": False,
    }
    for l, ((lin, acts), (Z, Al)) in enumerate(zip(work, forward), start=1):
        result["layers"].append({
            "l": l, "activation": type(acts[-1]).__name__ if acts else "Identity",
            "m": lin.m, "n": lin.n, "W": _json(lin.W), "W0": _json(lin.W0[:, 0]),
            "z": _json(Z[:, 0]), "a": _json(Al[:, 0]),
            "dLda": None, "dLdz": None, "dLdW": None, "dLdW0": None,
            "W_after": None, "W0_after": None,
        })
    if target is None:
        return result

    Y, label = _target_matrix(target, A.shape[0])
    result["target"] = {"label": label, "y": _json(Y[:, 0])}
    with np.errstate(all="ignore"):
        result["loss"] = _json(net.loss.forward(A, Y))
        to_output = OUTPUT_GRADIENTS.get(type(net.loss))
        dLda = to_output(A, Y) if to_output else None
        # The same sequence of backward calls as Sequential.backward.
        delta = net.loss.backward()
        for l in range(len(work), 0, -1):
            lin, acts = work[l - 1]
            for act in reversed(acts):
                delta = act.backward(delta)
            entry = result["layers"][l - 1]
            entry["dLda"], entry["dLdz"] = _json(dLda[:, 0]) if dLda is not None else None, \
                _json(delta[:, 0])
            delta = lin.backward(delta)
            dLda = delta   # dL/da^(l-1), the next layer down's dL/da
            entry["dLdW"], entry["dLdW0"] = _json(lin.dLdW), _json(lin.dLdW0[:, 0])
        result["dLdx"] = _json(delta[:, 0])
        if lr is None:
            return result
        net.sgd_step(lr)
    for entry, (lin, _) in zip(result["layers"], work):
        entry["W_after"], entry["W0_after"] = _json(lin.W), _json(lin.W0[:, 0])
    if apply:
        _apply(run, layers, work)
        if run is not None:
            run.count_hand_step(result["loss"])
        result["applied"] = True
    return result


def _apply(run, layers, work) -> None:
    """Copy the stepped weights into the model, in place (views stay valid)."""
    if not all(np.isfinite(lin.W).all() and np.isfinite(lin.W0).all() for lin, _ in work):
        raise ValueError("the step gives non-finite weights; not applied")
    for i, ((orig, _), (new, _)) in enumerate(zip(layers, work)):
        if run is not None:
            run.set_layer(i, new.W, new.W0)
        else:
            orig.W[...] = new.W
            orig.W0[...] = new.W0

"""The parts of a replay script that come from a Run: the points, the settings,
the initial draw, the order of each epoch and the weights to check against.

The notebook (export_notebook.py) and the PyTorch script (export_torch.py)
both replay a run from epoch 0 with these parts, so the two agree with each
other and with the page: ``np.random.default_rng(SEED)`` draws the initial
weights layer by layer as ``network.build_network`` does, then one
permutation of the training points per epoch as ``training.Run`` does (none
when shuffling is off or one minibatch holds every point).  Each part is
source text; arrays are written as exact float literals (export_scripts._num).
"""
from __future__ import annotations

import numpy as np

from engine.export_scripts import _matrix, _num
from engine.network import layer_params


# How far from the page's weights a replay may end by rounding alone: BLAS may
# sum a long product in another order, and in float32 PyTorch rounds otherwise.
ROUNDING = {"float64": 1e-9, "float32": 1e-3}


def replay_length(run) -> tuple[int, int]:
    """(complete epochs, minibatches of the next one) the page's run has taken."""
    return run.epoch, run.batch_in_epoch


def _vector(v, indent: str, per_line: int, fmt=_num) -> str:
    """A list literal, per_line values to a line."""
    items = [fmt(x) for x in v]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + indent).join(lines) + "]"


def data_source(run) -> str:
    """X_train (d x N), y_train (N,), X_val (d x M), y_val (M,): the run's points
    as given (float64, whatever the run computes in), labels 0..k-1."""
    lines = []
    for name, X, y in (("train", run.X_train, run.y_train), ("val", run.X_val, run.y_val)):
        rows = ",\n    ".join(_vector(row, " " * 5, 6) for row in X)
        lines.append(f"X_{name} = np.array([  # {X.shape[0]} x {X.shape[1]}: a column per point\n"
                     f"    {rows}], dtype=float).reshape({X.shape[0]}, {X.shape[1]})")
        labels = _vector(y, " " * 18, 30, lambda v: str(int(v)))
        lines.append(f"y_{name} = np.array({labels}, dtype=int)")
    return "\n".join(lines)


def settings_source(run, epochs: int, extra_batches: int) -> str:
    """The run's settings as constants (SEED, ..., OPTIMIZER, K), one a line."""
    config, opt, spec = run.config, run.config.optimizer, run.spec
    optimizer = {"name": opt.name, "lr": opt.lr, "weight_decay": opt.weight_decay}
    optimizer.update({"momentum": opt.momentum} if opt.name == "sgd" else
                     {"beta1": opt.beta1, "beta2": opt.beta2, "eps": opt.eps})
    rows = [
        (f"SEED = {run.seed}", "draws the initial weights, then each epoch's order"),
        (f"LAYER_SIZES = {list(spec.layer_sizes)!r}", "inputs, hidden units, output units"),
        (f"OUTPUT = {spec.output!r}", "output layer: softmax, sigmoid (one unit) or linear"),
        (f"K = {spec.n_classes}", "classes"),
        (f"EPOCHS = {epochs}", "complete epochs the page has trained"),
        (f"EXTRA_BATCHES = {extra_batches}", "minibatches of the next epoch the page has also taken"),
        (f"BATCH_SIZE = {config.batch_size}", "points per minibatch"),
        (f"SHUFFLE = {config.shuffle!r}", "a new order of the training points every epoch"),
        (f"REDUCTION = {config.reduction!r}", "mean: the gradient is divided by the minibatch size"),
        (f"EPOCH_LOSS = {config.epoch_loss!r}", "mean per point, or batch_means as the course's harness"),
        (f"DTYPE = np.{config.dtype}", "what the page computes in"),
        (f"ROUNDING = {ROUNDING[config.dtype]!r}", "how far rounding alone may take a replay from the page"),
        ("OPTIMIZER = {" + ", ".join(f"{k!r}: {v!r}" for k, v in optimizer.items()) + "}", None),
    ]
    width = max(len(code) for code, note in rows if note) + 2
    return "\n".join(code if note is None else f"{code.ljust(width)}# {note}" for code, note in rows)


INIT_SOURCE = {
    "homework": '''\
def init_weights(m, n, rng):
    """The homework's draw: W (m x n) ~ N(0, 1/m), W0 (n x 1) zeros."""
    return rng.normal(0, m ** -0.5, (m, n)), np.zeros((n, 1))''',
    "pytorch": '''\
def init_weights(m, n, rng):
    """PyTorch's nn.Linear default: W (m x n), then W0 (n x 1), uniform in +-1/sqrt(m)."""
    bound = m ** -0.5
    return rng.uniform(-bound, bound, (m, n)), rng.uniform(-bound, bound, (n, 1))''',
}

ORDER_SOURCE = '''\
def epoch_order(rng, N):
    """The training points' order for one epoch, as the page draws it: a new
    permutation, unless shuffling is off or one minibatch holds them all."""
    if not SHUFFLE or BATCH_SIZE >= N:
        return np.arange(N)
    return rng.permutation(N)'''


def page_weights_source(run) -> str:
    """PAGE_WEIGHTS: [(W m x n, W0 n x 1)] of every Linear as the page has them now."""
    parts = []
    for l, (W, W0) in enumerate(layer_params(run.model), start=1):
        parts.append(f"    # W{l}: {W.shape[0]} x {W.shape[1]}, W0{l}: {W.shape[1]} x 1\n"
                     f"    (np.array({_matrix(np.asarray(W, np.float64), ' ' * 14)}),\n"
                     f"     np.array({_matrix(np.asarray(W0, np.float64), ' ' * 14)})),")
    return "PAGE_WEIGHTS = [  # (W, W0) of each Linear on the page when this was downloaded\n" \
           + "\n".join(parts) + "\n]"


EPOCH_REPORT = '''\
    show = [("-" if v is None else f"{v:.6f}") for v in (train_loss, train_acc, val_loss, val_acc)]
    print(f"epoch {epoch:4d}  train loss {show[0]}  acc {show[1]}  val loss {show[2]}  acc {show[3]}")
'''

EPOCH_LOOP = '''\
history = {"epoch": [], "train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
for epoch in range(1, EPOCHS + 1):
    if not train_epoch():
        print(f"Diverged in epoch {epoch}: the page stops there too (lower the rate).")
        break
    (train_loss, train_acc), (val_loss, val_acc) = evaluate(X_train, y_train), evaluate(X_val, y_val)
    for key, value in zip(history, (epoch, train_loss, train_acc, val_loss, val_acc)):
        history[key].append(value)
{report}if len(history["epoch"]) == EPOCHS and EXTRA_BATCHES:   # the page stood inside the next epoch
    train_epoch(EXTRA_BATCHES)
'''


def epoch_loop(report: bool = False) -> str:
    """The epochs of a replay as source text, after ``train_epoch`` and
    ``evaluate`` are defined: the page's history, cut at a divergence as the
    page cuts it, then the minibatches the page took of the epoch after.
    ``report`` prints each epoch's figures (the script; the notebook plots them)."""
    lines = '' if not report else EPOCH_REPORT
    return EPOCH_LOOP.replace("{report}", lines)


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


def replay_length(run) -> tuple[int, int]:
    """(complete epochs, minibatches of the next one) the page's run has taken."""
    return run.epoch, run.batch_in_epoch


def _vector(v, fmt=_num) -> str:
    return "[" + ", ".join(fmt(x) for x in v) + "]"


def data_source(run) -> str:
    """X_train (d x N), y_train (N,), X_val (d x M), y_val (M,): the run's points
    as given (float64, whatever the run computes in), labels 0..k-1."""
    lines = []
    for name, X, y in (("train", run.X_train, run.y_train), ("val", run.X_val, run.y_val)):
        rows = ",\n     ".join(_vector(row) for row in X)
        lines.append(f"X_{name} = np.array([{rows}], dtype=float).reshape({X.shape[0]}, {X.shape[1]})")
        lines.append(f"y_{name} = np.array({_vector(y, lambda v: str(int(v)))}, dtype=int)")
    return "\n".join(lines)


def settings_source(run, epochs: int, extra_batches: int) -> str:
    """The run's settings as constants (SEED, EPOCHS, ..., OPTIMIZER)."""
    config, opt = run.config, run.config.optimizer
    spec = run.spec
    optimizer = {"name": opt.name, "lr": opt.lr, "weight_decay": opt.weight_decay}
    optimizer.update({"momentum": opt.momentum} if opt.name == "sgd" else
                     {"beta1": opt.beta1, "beta2": opt.beta2, "eps": opt.eps})
    opt_text = ", ".join(f"{k!r}: {v!r}" for k, v in optimizer.items())
    return "\n".join([
        f"SEED = {run.seed}                 # draws the initial weights, then each epoch's order",
        f"LAYER_SIZES = {list(spec.layer_sizes)!r}",
        f"HIDDEN_ACTIVATIONS = {list(spec.activations)!r}",
        f"OUTPUT = {spec.output!r}           # output layer: softmax, sigmoid or linear",
        f"INIT = {spec.init!r}           # homework: W ~ N(0, 1/m), W0 = 0; pytorch: uniform +-1/sqrt(m)",
        f"EPOCHS = {epochs}",
        f"EXTRA_BATCHES = {extra_batches}         # minibatches of the next epoch the page had also taken",
        f"BATCH_SIZE = {config.batch_size}",
        f"SHUFFLE = {config.shuffle!r}           # a new order of the training points every epoch",
        f"REDUCTION = {config.reduction!r}         # mean: the gradient is divided by the minibatch size",
        f"EPOCH_LOSS = {config.epoch_loss!r}        # mean per point, or batch_means as the course's harness",
        f"DTYPE = np.{config.dtype}",
        f"OPTIMIZER = {{{opt_text}}}",
    ])


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

"""A PyTorch script that replays a training run: the same points, initial
weights, minibatches in the same order, optimizer and epochs, so that it
prints the page's curves (within float rounding) and ends at its weights.

NumPy draws what the run drew (export_run.py): ``default_rng(SEED)`` gives
the initial weights, then each epoch's permutation.  torch.optim's SGD and
Adam are what optim.py follows operation for operation; torch's nn.Linear
stores ``weight`` as the homework's ``W.T`` (n x m) and ``bias`` as ``W0``
flattened.  PyTorch puts data points in rows (a batch is b x d).
"""
from __future__ import annotations

from engine.export_run import (INIT_SOURCE, ORDER_SOURCE, data_source, epoch_loop,
                               page_weights_source, replay_length, settings_source)
from engine.export_scripts import _architecture

TORCH_MODULES = {"relu": "nn.ReLU()", "tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()",
                 "linear": "nn.Identity()"}

# Output kind -> each point's loss from the model's outputs (b x units) and labels (b,).
POINT_LOSSES = {
    "softmax": "F.cross_entropy(out, y, reduction=\"none\")       # softmax + NLL",
    "sigmoid": "F.binary_cross_entropy_with_logits(out[:, 0], y.to(out.dtype), reduction=\"none\")",
    "linear": "((out - F.one_hot(y, K).to(out.dtype)) ** 2).sum(dim=1)   # squared loss",
}
PROBA = {
    "softmax": "torch.softmax(out, dim=1)",
    "sigmoid": "torch.cat([1 - torch.sigmoid(out), torch.sigmoid(out)], dim=1)",
    "linear": "torch.softmax(out, dim=1)   # a confidence with the outputs' argmax",
}
CLASSES = {
    "softmax": "out.argmax(dim=1)",
    "sigmoid": "(torch.sigmoid(out[:, 0]) > 0.5).long()",
    "linear": "out.argmax(dim=1)",
}
TORCH_OPTIMIZERS = {
    "sgd": "torch.optim.SGD(model.parameters(), lr=OPTIMIZER[\"lr\"], momentum=OPTIMIZER[\"momentum\"],\n"
           "                            weight_decay=OPTIMIZER[\"weight_decay\"])",
    "adam": "torch.optim.Adam(model.parameters(), lr=OPTIMIZER[\"lr\"],\n"
            "                             betas=(OPTIMIZER[\"beta1\"], OPTIMIZER[\"beta2\"]),\n"
            "                             eps=OPTIMIZER[\"eps\"], weight_decay=OPTIMIZER[\"weight_decay\"])",
}

TORCH_TRAINING = '''\
MAX_PARAM_NORM = 1e6   # the page refuses a step that takes the weights' norm past this
X_fit, y_fit = torch.tensor(X_train.T, dtype=TORCH_DTYPE), torch.tensor(y_train)
N, B = len(y_fit), min(BATCH_SIZE, len(y_fit))


def train_step(idx):
    """One minibatch step on the training points idx; False if the page would refuse it."""
    loss = point_losses(model(X_fit[idx]), y_fit[idx]).sum()   # summed, as the homework's losses
    if not math.isfinite(loss.item()):
        return False
    if REDUCTION == "mean":
        loss = loss / len(idx)
    optimizer.zero_grad()
    loss.backward()
    before = [p.detach().clone() for p in model.parameters()]
    optimizer.step()
    with torch.no_grad():
        if not sum(float((p * p).sum()) for p in model.parameters()) <= MAX_PARAM_NORM ** 2:
            for p, b in zip(model.parameters(), before):
                p.copy_(b)                          # keep the last good weights
            return False
    return True


def train_epoch(batches=None):
    """One epoch in the page's order (only its first `batches` minibatches if given)."""
    order = torch.as_tensor(epoch_order(rng, N))
    for i, start in enumerate(range(0, N, B)):
        if i == batches:
            break
        if not train_step(order[start:start + B]):
            return False
    return True


def evaluate(X, y):
    """(loss as EPOCH_LOSS reports it, accuracy) on the points X (d x b); None without points."""
    b = len(y)
    if b == 0:
        return None, None
    with torch.no_grad():
        out = model(torch.tensor(X.T, dtype=TORCH_DTYPE))
        y = torch.tensor(y)
        losses = point_losses(out, y)
        total = float(losses.sum())
        if EPOCH_LOSS == "batch_means":             # the mean loss of each minibatch, summed
            total = sum(float(losses[s:s + BATCH_SIZE].mean()) for s in range(0, b, BATCH_SIZE))
        accuracy = float((classes(out) == y).sum()) / b
    return (total / b if math.isfinite(total / b) else None), accuracy


''' + epoch_loop(report=True) + '''\

with torch.no_grad():
    gap = max(float((p - torch.tensor(page, dtype=TORCH_DTYPE)).abs().max())
              for layer, (W, W0) in zip(linears, PAGE_WEIGHTS)
              for p, page in ((layer.weight, W.T), (layer.bias, W0[:, 0])))
print(f"largest difference from the page's weights: {gap:.3g}"
      + ("" if gap <= ROUNDING else " (the run on the page was changed midway: a replay cannot know)"))


def predict_proba(points):
    """points: b x d -> b x k class probabilities."""
    with torch.no_grad():
        return proba(model(torch.as_tensor(points, dtype=TORCH_DTYPE)))


def predict(points):
    """points: b x d -> predicted class indices (b,); index 0 is the homework's class 1."""
    with torch.no_grad():
        return classes(model(torch.as_tensor(points, dtype=TORCH_DTYPE)))'''


def pytorch_script(run) -> str:
    """A runnable script (torch and numpy) that replays the run from epoch 0
    and prints each epoch's loss and accuracy, as the page's curves show them."""
    spec = run.spec
    epochs, extra = replay_length(run)
    sizes = list(spec.layer_sizes)
    layers = []
    for l in range(len(sizes) - 1):
        layers.append(f"nn.Linear({sizes[l]}, {sizes[l + 1]})")
        if l < len(spec.hidden):
            layers.append(TORCH_MODULES[spec.activations[l]])
    where = f"{epochs} epochs" + (f" and {extra} minibatches of the next" if extra else "")
    return f'''"""A Crease run, replayed in PyTorch: {_architecture(spec)}.

Trains the playground's network from the same initial weights, on the same
points, with the same minibatches in the same order and the same optimizer,
for {where}, and prints the loss and accuracy of every epoch: the page's
curves, up to float rounding.  Needs torch and numpy (numpy's generator
draws the initial weights and each epoch's order exactly as the page does).
PyTorch puts data points in ROWS: a batch is b x d (the homework's X.T);
the arrays below keep the homework's columns.
"""
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

{data_source(run)}

{settings_source(run, epochs, extra)}
TORCH_DTYPE = torch.float64 if DTYPE == np.float64 else torch.float32


{INIT_SOURCE[spec.init]}


{ORDER_SOURCE}


def point_losses(out, y):
    """Each point's loss (b,) from the outputs (b x units) and the labels (b,)."""
    return {POINT_LOSSES[spec.output]}


def proba(out):
    """Class probabilities (b x k) from the outputs (b x units)."""
    return {PROBA[spec.output]}


def classes(out):
    """Predicted classes (b,) from the outputs (b x units)."""
    return {CLASSES[spec.output]}


model = nn.Sequential(
    {("," + chr(10) + "    ").join(layers)},
).to(TORCH_DTYPE)
linears = [m for m in model if isinstance(m, nn.Linear)]
rng = np.random.default_rng(SEED)
with torch.no_grad():
    for layer, m, n in zip(linears, LAYER_SIZES[:-1], LAYER_SIZES[1:]):
        W, W0 = init_weights(m, n, rng)             # W: m x n, W0: n x 1
        layer.weight.copy_(torch.tensor(W.T))       # weight: n x m
        layer.bias.copy_(torch.tensor(W0[:, 0]))
optimizer = {TORCH_OPTIMIZERS[run.config.optimizer.name]}

{page_weights_source(run)}

{TORCH_TRAINING}
'''

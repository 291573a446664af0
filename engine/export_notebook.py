"""A Jupyter notebook that replays a training run in the homework's module API.

``notebook(run)`` returns the notebook as a plain dict in nbformat 4.5's
JSON form (``json.dumps`` of it is the .ipynb file).  The engine imports
only NumPy, so it does not write it with the ``nbformat`` package; the tests
validate every notebook with it and execute it with ``nbclient``.

The notebook needs only NumPy and matplotlib.  It holds the run's points,
settings and seed, the modules it uses (Linear, the activations, the output
and its loss, Sequential), the optimizer and a training loop that takes the
same minibatches in the same order as ``training.Run``, and ends with the
curves, the class regions and a check against the page's weights.  Every
operation is the one ``Run`` computes (export_modules.py), so a float64
replay reaches the page's weights bit for bit (within rounding where BLAS
sums a long product in another order), unless the run was changed midway
(settings, points or weights), which a replay from epoch 0 cannot know; the
check cell then says so.
"""
from __future__ import annotations

import json

from engine.export_modules import (MODULE_BASE, MODULES, OPTIMIZER_CLASSES, OPTIMIZER_SOURCE,
                                   SEQUENTIAL)
from engine.export_run import (INIT_SOURCE, ORDER_SOURCE, data_source, epoch_loop,
                               page_weights_source, replay_length, settings_source)
from engine.export_scripts import MODULE_NAMES, OUTPUT_MODULES, _architecture

NBFORMAT, NBFORMAT_MINOR = 4, 5

NOTEBOOK_TRAINING = '''\
MAX_PARAM_NORM = 1e6   # the page refuses a step that takes the weights' norm past this


def targets(y):
    """Labels (b,) -> k x b one-hot columns (1 x b of 0/1 for a sigmoid output)."""
    if OUTPUT == "sigmoid":
        return y.reshape(1, -1).astype(DTYPE)
    return (np.arange(K)[:, None] == y[None, :]).astype(DTYPE)


def train_step(Xb, Yb):
    """One minibatch step (Xb: d x b, Yb: k x b); False if the page would refuse it."""
    loss = net.loss.forward(net.forward(Xb), Yb)
    if not math.isfinite(loss):
        return False
    delta = net.loss.backward()
    if REDUCTION == "mean":
        delta *= 1.0 / Xb.shape[1]
    net.backward(delta)
    before = [p.copy() for p in params]
    optimizer.step(params, [g for lin in net.linears() for g in (lin.dLdW, lin.dLdW0)])
    if not sum(float(np.sum(p * p)) for p in params) <= MAX_PARAM_NORM ** 2:
        for p, b in zip(params, before):
            p[...] = b                              # keep the last good weights
        return False
    return True


def train_epoch(batches=None):
    """One epoch in the page's order (only its first `batches` minibatches if given)."""
    order = epoch_order(rng, N)
    Xe, Ye = X_fit[:, order], Y_fit[:, order]
    for i, start in enumerate(range(0, N, B)):
        if i == batches:
            break
        if not train_step(Xe[:, start:start + B], Ye[:, start:start + B]):
            return False
    return True


def evaluate(X, y):
    """(loss as EPOCH_LOSS reports it, accuracy) on the points X (d x b); None without points."""
    b = X.shape[1]
    if b == 0:
        return None, None
    Y = targets(y)
    Ypred = net.forward(X.astype(DTYPE))
    total = net.loss.forward(Ypred, Y)
    if EPOCH_LOSS == "batch_means":                 # the mean loss of each minibatch, summed
        starts = np.arange(0, b, BATCH_SIZE)
        sizes = np.minimum(BATCH_SIZE, b - starts)
        total = float(np.sum(np.add.reduceat(net.loss.point_losses(Ypred, Y), starts) / sizes))
    accuracy = np.count_nonzero(net.modules[-1].class_fun(Ypred) == y) / b
    return (total / b if math.isfinite(total / b) else None), accuracy


rng = np.random.default_rng(SEED)
net = build_network(rng)
params = [p for lin in net.linears() for p in (lin.W, lin.W0)]
settings = {k: v for k, v in OPTIMIZER.items() if k != "name"}
optimizer = OPTIMIZER_CLASS(params, **settings)
N, B = X_train.shape[1], min(BATCH_SIZE, X_train.shape[1])
X_fit, Y_fit = X_train.astype(DTYPE), targets(y_train)

''' + epoch_loop() + '''\


def show(v):
    return "-" if v is None else f"{v:.4f}"


n = len(history["epoch"])
for i in sorted({*range(0, n, max(1, n // 10)), n - 1} - {-1}):
    print(f"epoch {history['epoch'][i]:4d}  train loss {show(history['train_loss'][i])}  "
          f"acc {show(history['train_acc'][i])}  val loss {show(history['val_loss'][i])}  "
          f"acc {show(history['val_acc'][i])}")'''

CHECK = '''\
replayed = [(lin.W, lin.W0) for lin in net.linears()]
gap = max(float(np.max(np.abs(mine - np.asarray(page, DTYPE)), initial=0.0))
          for pair, page_pair in zip(replayed, PAGE_WEIGHTS) for mine, page in zip(pair, page_pair))
if gap == 0:
    print("The replay reached the page's weights, bit for bit.")
elif gap <= ROUNDING:   # BLAS may sum a long product in another order than the page did
    print(f"The replay reached the page's weights, up to rounding (at most {gap:.3g} apart).")
else:
    print(f"The replay's weights differ from the page's by up to {gap:.3g}. The run on the page "
          "was changed midway (a setting, the points or a weight), which a replay from epoch 0 "
          "does not know. The page's weights are in PAGE_WEIGHTS.")'''

CURVES = '''\
def series(key):
    return [np.nan if v is None else v for v in history[key]]

fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.5))
for part, style in (("train", "-"), ("val", "--")):
    ax_loss.plot(history["epoch"], series(part + "_loss"), style, label=part)
    ax_acc.plot(history["epoch"], series(part + "_acc"), style, label=part)
ax_loss.set(xlabel="epoch", ylabel="loss", title="Loss")
ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy", ylim=(0, 1.02))
ax_loss.legend()
ax_acc.legend()
plt.show()'''

REGIONS = '''\
def predict(X):
    """X: 2 x b -> predicted class indices (b,); index 0 is the homework's class 1."""
    return net.modules[-1].class_fun(net.forward(np.asarray(X, DTYPE)))

points = np.hstack([X_train, X_val])
pad = 0.1 * (points.max(axis=1) - points.min(axis=1)) + 0.1
(x0, y0), (x1, y1) = points.min(axis=1) - pad, points.max(axis=1) + pad
g1, g2 = np.meshgrid(np.linspace(x0, x1, 250), np.linspace(y0, y1, 250))
regions = predict(np.vstack([g1.ravel(), g2.ravel()])).reshape(g1.shape)

colours = ListedColormap(plt.cm.tab10.colors[:K])
plt.figure(figsize=(5.5, 5))
plt.contourf(g1, g2, regions, levels=np.arange(K + 1) - 0.5, cmap=colours, alpha=0.3)
for part, labels, marker, label in ((X_train, y_train, "o", "training"), (X_val, y_val, "^", "validation")):
    plt.scatter(part[0], part[1], c=labels, cmap=colours, vmin=-0.5, vmax=K - 0.5, marker=marker,
                edgecolors="black", linewidths=0.5)
    plt.scatter([], [], c="white", marker=marker, edgecolors="black", label=label)   # legend: no class colour
plt.legend(loc="upper right")
plt.title("Class regions after the replay")
plt.xlabel("x1")
plt.ylabel("x2")
plt.show()'''


def _cell(index: int, kind: str, source: str) -> dict:
    cell = {"cell_type": kind, "id": f"cell-{index}", "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _network_source(spec) -> str:
    """build_network(rng): the run's layers in the homework's module API."""
    sizes = list(spec.layer_sizes)
    out_module, loss = OUTPUT_MODULES[spec.output]
    layers = []
    for l in range(len(sizes) - 1):
        act = MODULE_NAMES[spec.activations[l]] if l < len(spec.hidden) else out_module
        layers.append(f"Linear({sizes[l]}, {sizes[l + 1]}, rng), {act}()")
    body = ",\n        ".join(layers)
    return (f"def build_network(rng):\n"
            f"    \"\"\"The page's network; its weights drawn from rng, layer by layer.\"\"\"\n"
            f"    return Sequential([\n        {body}], {loss}())")


def _modules_used(spec) -> list[str]:
    out_module, loss = OUTPUT_MODULES[spec.output]
    names = ["Linear", *(MODULE_NAMES[a] for a in spec.activations), out_module, loss]
    if out_module == "SigmoidOutput":
        names.insert(names.index(out_module), "Sigmoid")
    return list(dict.fromkeys(names))   # each once, in order of use


def notebook(run) -> dict:
    """The run as an nbformat 4.5 notebook (a JSON-able dict) that replays it
    from epoch 0: the page's complete epochs and the minibatches of the
    current one.  Needs NumPy and matplotlib to run."""
    spec = run.spec
    epochs, extra = replay_length(run)
    modules = "\n\n\n".join([MODULE_BASE, *(MODULES[name] for name in _modules_used(spec)),
                             SEQUENTIAL, INIT_SOURCE[spec.init], _network_source(spec)])
    n_train, n_val = run.X_train.shape[1], run.X_val.shape[1]
    where = f"{epochs} epochs" + (f" and {extra} minibatches of the next" if extra else "")
    cells = [
        ("markdown", f"# A Crease run, replayed: {_architecture(spec)}\n\n"
                     f"This notebook trains the network that the playground trained, from the same "
                     f"seed, on the same points, with the same minibatches in the same order, for "
                     f"{where}. At the end it checks that it reached the page's weights. It needs "
                     f"only NumPy and matplotlib: run all cells from the top.\n\n"
                     f"The homework's conventions: columns are data points (X is d x b), "
                     f"Z = W.T @ A + W0 with W m x n and W0 n x 1.\n\n"
                     f"To experiment, change a setting below (SEED, EPOCHS, BATCH_SIZE, "
                     f"OPTIMIZER['lr'], ...) and run all cells again."),
        ("code", "import math\n\nimport matplotlib.pyplot as plt\nimport numpy as np\n"
                 "from matplotlib.colors import ListedColormap"),
        ("markdown", f"## The points\n\n{n_train} training and {n_val} validation points "
                     f"({spec.n_classes} classes; label 0 is the homework's class 1)."),
        ("code", data_source(run)),
        ("markdown", "## The settings"),
        ("code", settings_source(run, epochs, extra)),
        ("markdown", "## The network, in the homework's module API\n\n"
                     "Each `backward` takes dL/d(output) and returns dL/d(input); `Linear` keeps "
                     "dLdW and dLdW0 for the optimizer."),
        ("code", modules),
        ("markdown", f"## The optimizer: {run.config.optimizer.name.upper()}"),
        ("code", OPTIMIZER_SOURCE[run.config.optimizer.name]),
        ("markdown", "## Training\n\nOne generator, seeded with SEED, draws the initial weights "
                     "and then the order of each epoch, as on the page."),
        ("code", ORDER_SOURCE + "\n\n\n" + NOTEBOOK_TRAINING.replace("OPTIMIZER_CLASS", OPTIMIZER_CLASSES[run.config.optimizer.name])),
        ("markdown", "## The same weights as the page?"),
        ("code", page_weights_source(run) + "\n\n" + CHECK),
        ("markdown", "## Loss and accuracy per epoch"),
        ("code", CURVES),
    ]
    if spec.input_dim == 2:
        cells += [("markdown", "## Class regions"), ("code", REGIONS)]
    return {
        "cells": [_cell(i, kind, source) for i, (kind, source) in enumerate(cells, start=1)],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": NBFORMAT, "nbformat_minor": NBFORMAT_MINOR,
    }


def notebook_bytes(run) -> bytes:
    """The .ipynb file: the notebook as indented JSON (as Jupyter writes it)."""
    return (json.dumps(notebook(run), indent=1, ensure_ascii=False) + "\n").encode()

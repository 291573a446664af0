"""A seeded training run that the server drives step by step.

Shapes: X_train is d x N, X_val d x M (M may be 0), labels are ints (N,) and
(M,) in 0..k-1.  Every Linear's W (m x n) and W0 (n x 1) live as views of one
flat vector, and backprop writes into a parallel flat gradient vector (see
optim.py).  There W0 follows W, so [W; W0.T] is one (m + 1) x n block: the
run's own forward pass multiplies it by its input with a row of 1s
appended (Z = W.T @ A + W0 in one product), and one product of the
same kind gives [dLdW; dLdW0.T] -- no separate bias passes: two NumPy calls
fewer per layer and step, a sixth of a small step's calls.  The modules (model) hold the same weights and
compute the homework's way for everything else (probes, exports).

Precision.  ``TrainConfig.dtype`` is the dtype the run computes in: "float64"
(the default) or "float32" (PyTorch's default, faster for large products).
Parameters, gradients, optimiser state, the working copies of the points and
targets and every forward/backward array are of that dtype; the points as
given (X_train, X_val), metrics and history stay float64 / Python floats.
Changing it with ``set_config`` converts the weights and optimiser state in
place (float64 -> float32 rounds each value to nearest; back is exact).

Loss reduction.  The homework's losses are sums over the batch; with
``reduction="mean"`` (the default, PyTorch's) the gradient is divided by the
minibatch size, so a rate means the same at any batch size; ``"sum"`` is the
homework's plain sum.  Reported losses are the mean per point, or the course
harness's sum of batch means over N (``epoch_loss``).

Randomness: one ``np.random.default_rng(seed)`` per run draws the initial
weights and then one permutation of the training points per epoch (none with
``shuffle=False``: the points in their order every epoch), nothing else, so
the same seed and configuration reproduce every weight, shuffle and metric
bit for bit.  An epoch of one minibatch (batch size >= N) keeps the
points in their order: its gradient is the same in any order, and then the
previous epoch's evaluation pass, a forward pass over the same points with
the same weights, is this step's forward pass (see ``_step``).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from engine.network import OUTPUTS, NetworkSpec, build_network
from engine.modules import Linear, ReLU
from engine.optim import OptimizerSpec, make_optimizer

REDUCTIONS = ("mean", "sum")
# How an epoch's loss is reported: the mean per point, or as the course's
# part-6 harness sums it: the per-batch mean losses (batches of batch_size in
# the set's order) summed and divided by the number of points.
EPOCH_LOSSES = ("mean", "batch_means")
# Divergence: a non-finite loss, or a step that would take the parameter
# vector's Euclidean norm past this (nan and inf included).  Trained playground
# networks stay orders of magnitude below it; a diverging run passes it a few
# steps before float64 overflows, while its weights can still be used.
# In float32 the check is the same: the squared norm of a vector under it is
# far below float32's 3.4e38, and an overflow to inf fails the comparison too.
MAX_PARAM_NORM = 1e6
DTYPES = ("float64", "float32")
METRIC_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc")
HISTORY_KEYS = ("epoch", *METRIC_KEYS)
HISTORY_POINTS = 2000   # most epochs a run's history holds (thin_history)
# what modules and losses keep from forward for backward (modules.py, losses.py)
_FORWARD_STATE = ("A", "Z", "lse", "Ypred", "Y")


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters that may change between steps without re-initialising.

    batch_size >= 1 (clipped to the number of training points when used);
    reduction is "mean" over the minibatch or "sum" (the homework's); dtype
    is what the run computes in, one of DTYPES (see the module docstring);
    shuffle: a new permutation of the training points every epoch, or (False)
    the points in their given order every epoch; epoch_loss: how metrics and
    history report a loss, one of EPOCH_LOSSES.
    """
    optimizer: OptimizerSpec = OptimizerSpec()
    batch_size: int = 10
    reduction: str = "mean"
    dtype: str = "float64"
    shuffle: bool = True
    epoch_loss: str = "mean"

    def __post_init__(self):
        if not isinstance(self.optimizer, OptimizerSpec):
            raise ValueError("optimizer must be an OptimizerSpec")
        if isinstance(self.batch_size, bool) or not isinstance(self.batch_size, (int, np.integer)) \
                or self.batch_size < 1:
            raise ValueError(f"batch_size must be an integer >= 1, got {self.batch_size!r}")
        object.__setattr__(self, "batch_size", int(self.batch_size))
        if self.reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, got {self.reduction!r}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {self.dtype!r}")
        if not isinstance(self.shuffle, bool):
            raise ValueError(f"shuffle must be true or false, got {self.shuffle!r}")
        if self.epoch_loss not in EPOCH_LOSSES:
            raise ValueError(f"epoch_loss must be one of {EPOCH_LOSSES}, got {self.epoch_loss!r}")


def _check_data(spec: NetworkSpec, X, y, name: str, allow_empty: bool) -> tuple[np.ndarray, np.ndarray]:
    """Validated copies: X (d x b) float64 C-contiguous, y (b,) int64 (the
    points as given; the run computes on copies in its dtype)."""
    X = np.array(X, dtype=np.float64, order="C")
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[0] != spec.input_dim:
        raise ValueError(f"X_{name} must be {spec.input_dim} x b, got shape {X.shape}")
    if y.shape != (X.shape[1],):
        raise ValueError(f"y_{name} must have shape ({X.shape[1]},), got {y.shape}")
    if X.shape[1] == 0 and not allow_empty:
        raise ValueError(f"the {name} set is empty")
    if not np.isfinite(X).all():
        raise ValueError(f"X_{name} has a non-finite value")
    if y.dtype.kind not in "iuf" or (y.dtype.kind == "f" and not np.array_equal(y, np.round(y))):
        raise ValueError(f"y_{name} must hold integer labels")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= spec.n_classes):
        raise ValueError(f"y_{name} labels must be in 0..{spec.n_classes - 1}")
    return X, y


def thin_history(history: dict, limit: int = HISTORY_POINTS) -> dict:
    """``history`` (lists keyed by HISTORY_KEYS, epochs ascending) with at
    most ``limit`` entries.  A longer one keeps only the epochs that are
    multiples of the smallest power of two leaving at most limit // 2 of
    them, plus the epoch of the lowest validation loss (the first, if tied)
    and the last epoch; epochs recorded later are added one by one until the
    limit is reached again.  So every kept entry is an epoch's exact numbers,
    recent epochs are all there, older ones ever more sparsely, and the
    minimum of the validation loss is never lost."""
    epochs = history["epoch"]
    if len(epochs) <= limit:
        return history
    stride = 1
    while sum(1 for e in epochs if e % stride == 0) > limit // 2:
        stride *= 2
    val = history["val_loss"]
    scored = [i for i, v in enumerate(val) if v is not None]
    best = min(scored, key=val.__getitem__) if scored else None
    keep = [i for i, e in enumerate(epochs) if e % stride == 0 or i == best or i == len(epochs) - 1]
    return {key: [values[i] for i in keep] for key, values in history.items()}


class Run:
    """Minibatch training of ``build_network(spec, default_rng(seed))``.

    Public state: model (Sequential), spec, config, seed, step (minibatch
    steps done), epoch (complete epochs), batch_in_epoch, state ("ready" |
    "training" | "diverged"), diverged_at ({"epoch", "step"}: the counters
    when the bad step was refused, or None; the weights are those before it
    and the optimiser state is fresh), history (lists per finished
    epoch, keys HISTORY_KEYS; a loss or accuracy that is undefined or
    non-finite is None; at most HISTORY_POINTS epochs, see thin_history),
    last_step_loss (mean loss per point of the last minibatch, before its
    update), X_train, y_train, X_val, y_val (float64
    whatever the dtype), dtype (the config's, as a NumPy dtype).
    """

    def __init__(self, spec: NetworkSpec, X_train, y_train, X_val, y_val,
                 config: TrainConfig = TrainConfig(), seed: int = 0):
        if not isinstance(config, TrainConfig):
            raise ValueError("config must be a TrainConfig")
        self.spec = spec
        self.config = config
        self._out = OUTPUTS[spec.output]
        self._load_data(X_train, y_train, X_val, y_val)
        self.reset(seed)

    # ---- setup -------------------------------------------------------------

    @property
    def dtype(self) -> np.dtype:
        """The dtype the run computes in (config.dtype)."""
        return np.dtype(self.config.dtype)

    def _load_data(self, X_train, y_train, X_val, y_val) -> None:
        self.X_train, self.y_train = _check_data(self.spec, X_train, y_train, "train", False)
        self.X_val, self.y_val = _check_data(self.spec, X_val, y_val, "val", True)
        self._Xc_train, self._Y_train, self._Xc_val, self._Y_val = self._working_data(self.dtype)
        self._new_epoch_order(None)
        self._version = getattr(self, "_version", 0) + 1

    def _working_data(self, dtype: np.dtype) -> tuple[np.ndarray, ...]:
        """(X_train, Y_train, X_val, Y_val) as the computation reads them, in
        dtype, each X with a row of 1s appended ((d + 1) x N)."""
        k = self.spec.n_classes
        out = []
        for X, y, name in ((self.X_train, self.y_train, "train"), (self.X_val, self.y_val, "val")):
            with np.errstate(over="ignore"):
                Xc = np.vstack([X, np.ones((1, X.shape[1]))]).astype(dtype)   # [X; 1s]
            if not np.isfinite(Xc).all():
                raise ValueError(f"X_{name} has a value beyond {dtype.name}'s range")
            out += [Xc, self._out.targets(y, k).astype(dtype, copy=False)]
        return tuple(out)

    def _new_epoch_order(self, order: np.ndarray | None) -> None:
        """Start the current epoch over with this permutation (None: draw at the next step)."""
        self._order = order
        self._pos = 0
        self.batch_in_epoch = 0
        if order is not None:
            self._gather_epoch()

    def _gather_epoch(self) -> None:
        """The epoch's points and targets in its order, contiguous for the minibatch slices."""
        self._X_epoch = np.ascontiguousarray(self._Xc_train[:, self._order])
        self._Y_epoch = np.ascontiguousarray(self._Y_train[:, self._order])

    def _build(self, rng: np.random.Generator | None) -> None:
        """Model bound to flat parameter/gradient vectors, and a fresh optimiser."""
        self.model = build_network(self.spec, rng)
        self._linears: list[Linear] = [m for m in self.model.modules if isinstance(m, Linear)]
        self._hidden = self.model.modules[1:-1:2]   # the hidden layers' activations
        self._output = self.model.modules[-1]
        # Every dLdA the backward pass hands a hidden activation is a new array
        # the step owns, so a ReLU may mask it in place.
        self._hidden_forward = [m.forward_into for m in self._hidden]
        self._hidden_backward = [m.backward_in_place if isinstance(m, ReLU) else m.backward
                                 for m in self._hidden]
        self._bind(self.dtype)
        self._opt = make_optimizer(self.config.optimizer, self._params.size, self.dtype)

    def _bind(self, dtype: np.dtype) -> None:
        """Every Linear's parameters and gradients as views of new flat vectors
        of dtype, holding the current weights (cast to dtype)."""
        n = self.spec.n_params()
        self._params = np.empty(n, dtype)
        self._grads = np.empty(n, dtype)
        self._backup = np.empty(n, dtype)
        offset = 0
        self._blocks = []   # per layer ([W; W0.T].T, W, [dLdW; dLdW0.T]) as views
        for lin in self._linears:
            m, k = lin.W.shape
            views = []
            for flat in (self._params, self._grads):
                views.append(flat[offset:offset + m * k].reshape(m, k))
                views.append(flat[offset + m * k:offset + m * k + k].reshape(k, 1))
            lin.bind(views[0], views[1], views[2], views[3])
            self._blocks.append((self._params[offset:offset + (m + 1) * k].reshape(m + 1, k).T,
                                 lin.W, self._grads[offset:offset + (m + 1) * k].reshape(m + 1, k)))
            offset += m * k + k
        self._buffers = {}   # batch -> _with_ones(batch)

    def reset(self, seed: int | None = None) -> None:
        """Re-initialise weights, optimiser, counters and history from the seed
        (the given one, which becomes the run's seed, or the current one)."""
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
                raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
            self.seed = int(seed)
        self._rng = np.random.default_rng(self.seed)
        self._build(self._rng)
        self.step = 0
        self.epoch = 0
        self.state = "ready"
        self.diverged_at = None
        self.history = {key: [] for key in HISTORY_KEYS}
        self.last_step_loss = None
        self._new_epoch_order(None)
        self._version += 1

    # ---- training ----------------------------------------------------------

    @property
    def optimizer(self):
        """The optimiser object (optim.SGD or optim.Adam) and its state."""
        return self._opt

    @property
    def batch_size(self) -> int:
        """The minibatch size in use: the config's, clipped to N."""
        return min(self.config.batch_size, self.X_train.shape[1])

    @property
    def batches_per_epoch(self) -> int:
        n = self.X_train.shape[1]
        return -(-n // self.batch_size)

    def _step(self) -> bool:
        """One minibatch step; False (and state "diverged") if it was refused."""
        n = self.X_train.shape[1]
        if self._order is None:
            in_order = self.batch_size >= n or not self.config.shuffle
            self._new_epoch_order(np.arange(n) if in_order else self._rng.permutation(n))
        start = self._pos
        stop = min(start + self.batch_size, n)
        b = stop - start
        model = self.model
        if b == n and self._evaluated_forward_is_current():
            # the evaluation of these weights ran this very forward pass: the
            # whole training set in its order (half the work of a full-batch step)
            loss, inputs = self._restore_forward()
        else:
            Ypred, inputs = self._forward(self._X_epoch[:, start:stop], reuse=True)
            loss = model.loss.forward(Ypred, self._Y_epoch[:, start:stop])
        delta = model.loss.backward()
        if self.config.reduction == "mean":
            delta *= 1.0 / b
        if not math.isfinite(loss):
            return self._diverge()
        self._backward(self._output.backward(delta), inputs)
        np.copyto(self._backup, self._params)
        self._opt.step(self._params, self._grads)
        # One dot product checks for nan, inf and runaway growth at once.
        if not np.dot(self._params, self._params) <= MAX_PARAM_NORM ** 2:
            np.copyto(self._params, self._backup)   # keep the last good weights
            return self._diverge()
        self.last_step_loss = loss / b
        self.step += 1
        self.batch_in_epoch += 1
        self._pos = stop
        self._version += 1
        self.state = "training"
        if stop == n:
            self.epoch += 1
            self._record_epoch()
            self._order = None
            self._pos = 0
            self.batch_in_epoch = 0
        return True

    def _forward(self, X1: np.ndarray, reuse: bool) -> tuple[np.ndarray, list]:
        """Ypred (k x b) of the points X1 ([X; 1s], (d + 1) x b), and each layer's
        input with its row of 1s, for _backward.  The activations keep their
        Z and A as in the modules' own forward.  With ``reuse`` the hidden
        layers write into buffers kept per batch size (the next step's
        forward overwrites them); else into new arrays."""
        b = X1.shape[1]
        buffers = self._buffers.get(b) if reuse else None
        if buffers is None:
            buffers = self._with_ones(b)
            if reuse:
                self._buffers[b] = buffers
        inputs = [X1]
        # one pass per hidden layer, the fewest Python steps: this runs every step
        for (blockT, _, _), forward_into, (with_ones, A) in zip(self._blocks, self._hidden_forward, buffers):
            forward_into(np.dot(blockT, inputs[-1]), A)
            inputs.append(with_ones)
        return self._output.forward(np.dot(self._blocks[-1][0], inputs[-1])), inputs

    def _with_ones(self, b: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per hidden layer (n units) an (n + 1) x b array whose last row is 1s,
        and the n x b view above it that the layer's A is written into."""
        out = []
        for blockT, _, _ in self._blocks[:-1]:
            with_ones = np.empty((blockT.shape[0] + 1, b), self.dtype)
            with_ones[-1] = 1
            out.append((with_ones, with_ones[:-1]))
        return out

    def _backward(self, delta: np.ndarray, inputs: list) -> None:
        """From dL/dZ of the output layer, every layer's [dLdW; dLdW0.T] into
        the flat gradient vector; ``inputs`` as _forward gave them."""
        blocks, backward = self._blocks, self._hidden_backward
        for layer in range(len(blocks) - 1, 0, -1):
            _, W, grad = blocks[layer]
            np.dot(inputs[layer], delta.T, out=grad)
            delta = backward[layer - 1](np.dot(W, delta))
        np.dot(inputs[0], delta.T, out=blocks[0][2])

    def _diverge(self) -> bool:
        # The optimiser's state points the way the run blew up (and may hold
        # inf or nan): start it afresh for whatever comes next.
        self._opt = make_optimizer(self.config.optimizer, self._params.size, self.dtype)
        self.state = "diverged"
        self.diverged_at = {"epoch": self.epoch, "step": self.step}
        return False

    def train_steps(self, n: int, deadline: float | None = None, losses: list | None = None) -> int:
        """Up to n minibatch steps; returns the number done.

        Stops early on divergence, or once ``time.perf_counter() >= deadline``
        (checked after each step, so at least one step is done when n >= 1).
        Each step's mean loss per point is appended to ``losses`` if given.
        """
        return self._train(n, None, deadline, losses)

    def train_epochs(self, n: int, deadline: float | None = None, losses: list | None = None) -> int:
        """Train until ``epoch`` has grown by n (a partly done epoch is finished
        first and counts as one); returns the steps done.  Deadline and losses
        as in train_steps."""
        return self._train(None, self.epoch + n, deadline, losses)

    def _train(self, max_steps: int | None, until_epoch: int | None,
               deadline: float | None, losses: list | None) -> int:
        done = 0
        if self.state == "diverged":
            return 0
        with np.errstate(all="ignore"):   # overflow shows up as divergence, not warnings
            while (max_steps is None or done < max_steps) and (until_epoch is None or self.epoch < until_epoch):
                if not self._step():
                    break
                done += 1
                if losses is not None:
                    losses.append(self.last_step_loss)
                if deadline is not None and time.perf_counter() >= deadline:
                    break
        return done

    # ---- evaluation ----------------------------------------------------------

    def _evaluate(self, X: np.ndarray, Y: np.ndarray, y: np.ndarray):
        """(loss as config.epoch_loss reports it, accuracy, predicted classes
        (b,), summed loss, the layers' inputs) of the current weights
        ([X; 1s]); loss and accuracy None where undefined."""
        b = X.shape[1]
        if b == 0:
            return None, None, np.zeros(0, dtype=np.intp), None, None
        Ypred, inputs = self._forward(X, reuse=False)
        total = self.model.loss.forward(Ypred, Y)
        reported = total / b
        if self.config.epoch_loss == "batch_means":
            reported = self._batch_means(Ypred, Y) / b
        classes = self._output.class_fun(Ypred)
        acc = np.count_nonzero(classes == y) / b
        return (reported if math.isfinite(reported) else None), acc, classes, total, inputs

    def _batch_means(self, Ypred: np.ndarray, Y: np.ndarray) -> float:
        """Sum over the minibatches of the set, in its order, of their mean
        loss (Ypred, Y: k x b, the latest forward pass)."""
        losses = self.model.loss.point_losses(Ypred, Y)
        starts = np.arange(0, losses.size, self.config.batch_size)
        sizes = np.minimum(self.config.batch_size, losses.size - starts)
        return float(np.sum(np.add.reduceat(losses, starts) / sizes))

    def metrics(self) -> dict:
        """Current train_loss, train_acc, val_loss, val_acc (None where undefined)."""
        self._refresh_evaluation()
        return dict(self._metrics)

    def predicted_classes(self) -> np.ndarray:
        """Predicted class of every point, training then validation, shape (b,):
        from the same pass over the data as metrics() (one pass per weight change)."""
        self._refresh_evaluation()
        return self._classes

    def _refresh_evaluation(self) -> None:
        if getattr(self, "_metrics_version", None) == self._version:
            return
        with np.errstate(all="ignore"):
            vl, va, vc, _, _ = self._evaluate(self._Xc_val, self._Y_val, self.y_val)
            # the training points last, so that their pass can serve a full-batch step
            tl, ta, tc, total, inputs = self._evaluate(self._Xc_train, self._Y_train, self.y_train)
        self._evaluated_forward = (self._version, self._forward_state(), total, inputs)
        self._metrics = {"train_loss": tl, "train_acc": ta, "val_loss": vl, "val_acc": va}
        self._classes = np.concatenate([tc, vc])
        self._metrics_version = self._version

    def _forward_state(self) -> list:
        """What _forward and the loss left in the activations and the loss for
        backward (the layers' inputs travel apart)."""
        return [(m, {k: v for k, v in vars(m).items() if k in _FORWARD_STATE})
                for m in (*self._hidden, self._output, self.model.loss)]

    def _evaluated_forward_is_current(self) -> bool:
        """Did the last evaluation run the training set, in the epoch's order,
        through the current weights?  (_version changes with every weight.)"""
        seen = getattr(self, "_evaluated_forward", None)
        return (seen is not None and seen[0] == self._version
                and np.array_equal(self._order, np.arange(self._order.size)))

    def _restore_forward(self) -> tuple[float, list]:
        """Put the evaluation's forward pass back in the modules (a later
        forward, e.g. a probe's, may have replaced it); its summed loss and
        the layers' inputs."""
        _, state, total, inputs = self._evaluated_forward
        for module, saved in state:
            vars(module).update(saved)
        return total, inputs

    def _record_epoch(self) -> None:
        m = self.metrics()
        self.history["epoch"].append(self.epoch)
        for key in METRIC_KEYS:
            self.history[key].append(m[key])
        if len(self.history["epoch"]) > HISTORY_POINTS:
            self.history = thin_history(self.history)

    # ---- changes between steps -------------------------------------------------

    def set_config(self, config: TrainConfig) -> None:
        """New hyperparameters; weights kept.  Optimiser state is kept unless the
        optimiser kind changes.  A new dtype converts weights and optimiser
        state in place (ValueError, nothing changed, if a weight or point does
        not fit it).  A diverged run resumes if the rate is lowered."""
        if not isinstance(config, TrainConfig):
            raise ValueError("config must be a TrainConfig")
        old = self.config
        if config.dtype != old.dtype:
            self._convert(np.dtype(config.dtype))
        if config.optimizer.name != old.optimizer.name:
            self._opt = make_optimizer(config.optimizer, self._params.size, self.dtype)
        else:
            self._opt.spec = config.optimizer
        self.config = config
        if self.state == "diverged" and config.optimizer.lr < old.optimizer.lr:
            self.state = "training" if self.step else "ready"
            self.diverged_at = None

    def _convert(self, dtype: np.dtype) -> None:
        """Weights, optimiser state and working data to dtype, counters and epoch
        order kept.  Called by set_config before self.config changes."""
        with np.errstate(over="ignore"):
            if not np.isfinite(self._params.astype(dtype)).all():
                raise ValueError(f"a weight is beyond {dtype.name}'s range")
            data = self._working_data(dtype)
            scalars, arrays = self._opt.state()
            opt = make_optimizer(self._opt.spec, self._params.size, dtype)
            opt.load_state(scalars, arrays)
        if not all(np.isfinite(a).all() for a in opt.state()[1].values()):
            # moments past float32's range would stall or blow up the next steps
            opt = make_optimizer(self._opt.spec, self._params.size, dtype)
        self._bind(dtype)
        self._opt = opt
        self._Xc_train, self._Y_train, self._Xc_val, self._Y_val = data
        if self._order is not None:
            self._gather_epoch()
        self._version += 1

    def set_data(self, X_train, y_train, X_val, y_val, reinit: bool) -> None:
        """Replace the points.  With reinit the run is reset (same seed); without,
        weights and counters are kept and a fresh epoch starts."""
        self._load_data(X_train, y_train, X_val, y_val)
        if reinit:
            self.reset()

    def _linear(self, layer: int) -> Linear:
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) \
                or not 0 <= layer < len(self._linears):
            raise ValueError(f"layer must be 0..{len(self._linears) - 1}, got {layer!r}")
        return self._linears[layer]

    def _finite(self, value, what: str) -> float:
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{what} must be finite, got {value}")
        if abs(value) > float(np.finfo(self.dtype).max):
            raise ValueError(f"{what} must fit {self.dtype.name}, got {value}")
        return value

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        """W[i, j] = value in Linear number ``layer`` (0-based)."""
        lin = self._linear(layer)
        if not (0 <= i < lin.m and 0 <= j < lin.n):
            raise ValueError(f"weight index ({i}, {j}) is outside {lin.m} x {lin.n}")
        lin.W[i, j] = self._finite(value, "weight")
        self._version += 1

    def set_bias(self, layer: int, j: int, value: float) -> None:
        """W0[j, 0] = value in Linear number ``layer``."""
        lin = self._linear(layer)
        if not 0 <= j < lin.n:
            raise ValueError(f"bias index {j} is outside 0..{lin.n - 1}")
        lin.W0[j, 0] = self._finite(value, "bias")
        self._version += 1

    def count_hand_step(self, loss: float | None) -> None:
        """An SGD step made outside the training loop (the inspector's "Apply this
        step", on one point) counts as a step: the counter says how many updates
        the weights have had. The epoch and the batch order are not touched."""
        self.step += 1
        self.last_step_loss = loss
        if self.state == "ready":
            self.state = "training"
        self._version += 1

    def set_layer(self, layer: int, W=None, W0=None) -> None:
        """Replace W (m x n) and/or W0 (n x 1 or (n,)) of Linear number ``layer``."""
        lin = self._linear(layer)
        new = []
        for value, target, name in ((W, lin.W, "W"), (W0, lin.W0, "W0")):
            if value is None:
                continue
            arr = np.asarray(value, dtype=np.float64)
            if name == "W0" and arr.shape == (lin.n,):
                arr = arr.reshape(lin.n, 1)
            if arr.shape != target.shape:
                raise ValueError(f"{name} of layer {layer} must be {target.shape[0]} x {target.shape[1]}, "
                                 f"got shape {arr.shape}")
            if not np.isfinite(arr).all():
                raise ValueError(f"{name} of layer {layer} has a non-finite value")
            if (np.abs(arr) > float(np.finfo(self.dtype).max)).any():
                raise ValueError(f"{name} of layer {layer} has a value beyond {self.dtype.name}'s range")
            new.append((target, arr))
        for target, arr in new:
            target[...] = arr
        self._version += 1

    def __repr__(self) -> str:
        return (f"Run({self.spec!r}, seed={self.seed}, n_train={self.X_train.shape[1]}, "
                f"n_val={self.X_val.shape[1]}, step={self.step}, epoch={self.epoch}, state={self.state!r})")

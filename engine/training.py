"""A seeded training run that the server drives step by step.

Shapes: X_train is d x N, X_val d x M (M may be 0), labels are ints (N,) and
(M,) in 0..k-1.  Every Linear's W (m x n) and W0 (n x 1) are views of one flat
parameter vector, which a ``FusedStep`` (fused.py) trains: its own forward and
backward pass, with the biases inside one product per layer.  The modules
(model) hold the same weights and compute the homework's way for everything
else (probes, exports).

Randomness: one ``np.random.default_rng(seed)`` per run draws the initial
weights and then one permutation of the training points per epoch (none with
``shuffle=False``: the points in their order every epoch), nothing else, so
the same seed and configuration reproduce every weight, shuffle and metric
bit for bit.  An epoch of one minibatch (batch size >= N) keeps the
points in their order: its gradient is the same in any order, and then the
previous epoch's evaluation pass, a forward pass over the same points with
the same weights, is this step's forward pass (see ``_step``).

A run's whole state, enough to continue it bit for bit, is ``snapshot()``;
``Run.from_snapshot`` puts a run back together from one (checkpoint.py
stores them).
"""
from __future__ import annotations

import math
import time

import numpy as np

from engine import weights
from engine.fused import FusedStep
from engine.history import HISTORY_KEYS, HISTORY_POINTS, METRIC_KEYS, thin_history
from engine.modules import Linear
from engine.network import NetworkSpec, build_network
from engine.optim import make_optimizer
from engine.snapshot import NO_DRAWS, Snapshot
from engine.trainconfig import DTYPES, TrainConfig  # noqa: F401 (DTYPES: server/schemas.py reads it here)
from engine.trainset import checked_points, working_copy

# Divergence: a non-finite loss, or a step that would take the parameter
# vector's Euclidean norm past this (nan and inf included).  Trained playground
# networks stay orders of magnitude below it; a diverging run passes it a few
# steps before float64 overflows, while its weights can still be used.
# In float32 the check is the same: the squared norm of a vector under it is
# far below float32's 3.4e38, and an overflow to inf fails the comparison too.
MAX_PARAM_NORM = 1e6


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
        self._load_data(X_train, y_train, X_val, y_val)
        self.reset(seed)

    # ---- setup -------------------------------------------------------------

    @property
    def dtype(self) -> np.dtype:
        """The dtype the run computes in (config.dtype)."""
        return np.dtype(self.config.dtype)

    def _load_data(self, X_train, y_train, X_val, y_val) -> None:
        self.X_train, self.y_train = checked_points(self.spec, X_train, y_train, "train", False)
        self.X_val, self.y_val = checked_points(self.spec, X_val, y_val, "val", True)
        self._Xc_train, self._Y_train, self._Xc_val, self._Y_val = self._working_data(self.dtype)
        self._new_epoch_order(None)
        self._version = getattr(self, "_version", 0) + 1

    def _working_data(self, dtype: np.dtype) -> tuple[np.ndarray, ...]:
        """(X_train, Y_train, X_val, Y_val) as the computation reads them, in
        dtype (trainset.working_copy)."""
        return (*working_copy(self.spec, self.X_train, self.y_train, "train", dtype),
                *working_copy(self.spec, self.X_val, self.y_val, "val", dtype))

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

    def _build(self, rng) -> None:
        """Model bound to a new fused step's flat vectors, and a fresh optimiser."""
        self.model = build_network(self.spec, rng)
        self._linears: list[Linear] = [m for m in self.model.modules if isinstance(m, Linear)]
        self._output = self.model.modules[-1]
        self._bind(self.dtype)
        self._opt = make_optimizer(self.config.optimizer, self._fused.params.size, self.dtype)

    def _bind(self, dtype: np.dtype) -> None:
        """A fused step of dtype whose flat vectors hold the current weights (cast
        to dtype), every Linear's parameters and gradients bound to its views."""
        self._fused = FusedStep(self.spec, dtype)
        self._backup = np.empty_like(self._fused.params)   # the weights before a step
        for lin, views in zip(self._linears, self._fused.layers):
            lin.bind(*views)

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
        fused, Y = self._fused, self._Y_epoch[:, start:stop]
        if b == n and self._evaluated_forward_is_current():
            # the evaluation of these weights ran this very forward pass: the
            # whole training set in its order (half the work of a full-batch step)
            _, forward, loss = self._evaluated
        else:
            forward = fused.forward(self._X_epoch[:, start:stop], reuse=True)
            loss = fused.loss(forward, Y)
        if not math.isfinite(loss):
            return self._diverge()
        fused.backward(forward, Y, 1.0 / b if self.config.reduction == "mean" else None)
        params = fused.params
        np.copyto(self._backup, params)
        self._opt.step(params, fused.grads)
        # One dot product checks for nan, inf and runaway growth at once.
        if not np.dot(params, params) <= MAX_PARAM_NORM ** 2:
            np.copyto(params, self._backup)   # keep the last good weights
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

    def _diverge(self) -> bool:
        # The optimiser's state points the way the run blew up (and may hold
        # inf or nan): start it afresh for whatever comes next.
        self._opt = make_optimizer(self.config.optimizer, self._fused.params.size, self.dtype)
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
        (b,), the pass, its summed loss) of the current weights on the points
        X ([X; 1s]); loss and accuracy None where undefined."""
        b = X.shape[1]
        if b == 0:
            return None, None, np.zeros(0, dtype=np.intp), None, None
        forward = self._fused.forward(X, reuse=False)
        total = self._fused.loss(forward, Y)
        reported = total / b
        if self.config.epoch_loss == "batch_means":
            reported = self._batch_means(self._fused.point_losses(forward, Y)) / b
        classes = self._output.class_fun(forward.Ypred)
        acc = np.count_nonzero(classes == y) / b
        return (reported if math.isfinite(reported) else None), acc, classes, forward, total

    def _batch_means(self, losses: np.ndarray) -> float:
        """Sum over the minibatches of the set, in its order, of their mean
        loss (losses: each point's, (b,))."""
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
            tl, ta, tc, forward, total = self._evaluate(self._Xc_train, self._Y_train, self.y_train)
        self._evaluated = (self._version, forward, total)
        self._metrics = {"train_loss": tl, "train_acc": ta, "val_loss": vl, "val_acc": va}
        self._classes = np.concatenate([tc, vc])
        self._metrics_version = self._version

    def _evaluated_forward_is_current(self) -> bool:
        """Did the last evaluation run the training set, in the epoch's order,
        through the current weights?  (_version changes with every weight.)"""
        seen = getattr(self, "_evaluated", None)
        return (seen is not None and seen[0] == self._version
                and np.array_equal(self._order, np.arange(self._order.size)))

    def _record_epoch(self) -> None:
        m = self.metrics()
        self.history["epoch"].append(self.epoch)
        for key in METRIC_KEYS:
            self.history[key].append(m[key])
        if len(self.history["epoch"]) > HISTORY_POINTS:
            self.history = thin_history(self.history)

    # ---- the whole state -------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The run's state, enough to continue it bit for bit (its own arrays)."""
        scalars, arrays = self._opt.state()
        return Snapshot(self.spec, self.config, self.seed, self.X_train, self.y_train, self.X_val,
                        self.y_val, self._fused.params, arrays, scalars, self._rng.bit_generator.state,
                        self.step, self.epoch, self.batch_in_epoch, self._pos, self._order, self.state,
                        self.diverged_at, self.last_step_loss, self.history)

    @classmethod
    def from_snapshot(cls, s: Snapshot) -> "Run":
        """The run ``s`` was taken of, which continues as it would have.
        ValueError where the parts do not fit together (KeyError for a
        missing optimiser array)."""
        run = cls.__new__(cls)
        run.spec, run.config, run.seed = s.spec, s.config, s.seed
        run._load_data(s.X_train, s.y_train, s.X_val, s.y_val)
        s.check(run.X_train.shape[1])
        run._build(NO_DRAWS)   # every parameter is overwritten below
        run._fused.params[...] = s.params
        run._opt.load_state({**run._opt.state()[0], **s.optimizer_scalars}, s.optimizer)
        run._rng = np.random.Generator(np.random.PCG64(0))
        run._rng.bit_generator.state = s.rng
        run.step, run.epoch, run.last_step_loss = s.step, s.epoch, s.last_step_loss
        run.state, run.diverged_at = s.state, s.diverged_at
        if s.order is not None:
            run._new_epoch_order(np.asarray(s.order, dtype=np.int64))
        run._pos, run.batch_in_epoch = s.pos, s.batch_in_epoch
        run.history = thin_history(s.history)   # one written before histories were bounded
        return run

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
            self._opt = make_optimizer(config.optimizer, self._fused.params.size, self.dtype)
        else:
            self._opt.spec = config.optimizer
        self.config = config
        if self.state == "diverged" and config.optimizer.lr < old.optimizer.lr:
            self.state = "training" if self.step else "ready"
            self.diverged_at = None

    def _convert(self, dtype: np.dtype) -> None:
        """Weights, optimiser state and working data to dtype, counters and epoch
        order kept.  Called by set_config before self.config changes."""
        n = self._fused.params.size
        with np.errstate(over="ignore"):
            if not np.isfinite(self._fused.params.astype(dtype)).all():
                raise ValueError(f"a weight is beyond {dtype.name}'s range")
            data = self._working_data(dtype)
            scalars, arrays = self._opt.state()
            opt = make_optimizer(self._opt.spec, n, dtype)
            opt.load_state(scalars, arrays)
        if not all(np.isfinite(a).all() for a in opt.state()[1].values()):
            # moments past float32's range would stall or blow up the next steps
            opt = make_optimizer(self._opt.spec, n, dtype)
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

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        """W[i, j] = value in Linear number ``layer`` (0-based); see weights.py."""
        weights.set_weight(self._linears, layer, i, j, value, self.dtype)
        self._version += 1

    def set_bias(self, layer: int, j: int, value: float) -> None:
        """W0[j, 0] = value in Linear number ``layer``."""
        weights.set_bias(self._linears, layer, j, value, self.dtype)
        self._version += 1

    def set_layer(self, layer: int, W=None, W0=None) -> None:
        """Replace W (m x n) and/or W0 (n x 1 or (n,)) of Linear number ``layer``."""
        weights.set_layer(self._linears, layer, W, W0, self.dtype)
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

    def __repr__(self) -> str:
        return (f"Run({self.spec!r}, seed={self.seed}, n_train={self.X_train.shape[1]}, "
                f"n_val={self.X_val.shape[1]}, step={self.step}, epoch={self.epoch}, state={self.state!r})")

"""The homework's part-6 experiment harness, driven in bounded chunks.

``run_pytorch_2d(data_name, layers, epochs, split=0.25, trials=5)`` of the
homework becomes ``run_experiment(data, hidden, epochs, ...)``: ReLU hidden
layers of the given sizes, a softmax output with cross-entropy (NLL, mean over
the minibatch), Adam with PyTorch's defaults, minibatches of 32 (the harness's
default), ``trials`` independent runs.  It does what the course's harness
(``get_data_loader``, ``run_pytorch``, ``model_fit``) does, because on the
homework's files each of these moves the answers:

- initial weights: PyTorch's default for ``nn.Linear``, W and W0 uniform in
  +-1/sqrt(fan-in) (``NetworkSpec(init="pytorch")``), drawn afresh for every
  trial (the harness resets its layers before each one);
- batch order: the rows of each set are shuffled once when it is loaded, and
  the minibatches then come in that same order every epoch and every trial
  (a DataLoader without shuffle: ``TrainConfig(shuffle=False)``);
- an epoch's loss is the sum of the per-batch mean losses divided by the
  number of points, so the short last batch weighs more
  (``TrainConfig(epoch_loss="batch_means")``);
- validation without a validation set: the last ``int(split * n)`` points
  (rounded down) of a reshuffled index;
- the epoch of minimum validation loss is counted from 0, as the harness's
  plots (``range(epochs)``) are read; the 1-based count is given beside it.

Shapes: X is 2 x n (columns are points), labels (n,) ints in 0..k-1.

Randomness: ``seed`` alone decides everything.  ``default_rng(seed)`` draws a
built-in dataset, then the load shuffle of each set and then the split;
trial t trains with the seed ``trial_seeds(seed, trials)[t]``, from
``SeedSequence(seed).spawn``, which draws its initial weights and nothing else.

Chunks: an ``Experiment`` advances until a deadline and serialises between
calls, to a JSON-able dict (the in-progress trial through
``checkpoint.run_to_dict``) or to compact bytes (``run_to_bytes``), so a web
request can do half a second of work, store the state, and any worker can
continue; the results are identical to one uninterrupted run.
"""
from __future__ import annotations

import json
import os
import struct
import time
from typing import Callable, Sequence

import numpy as np

from engine import datafile, datasets
from engine.checkpoint import run_from_bytes, run_from_dict, run_to_bytes, run_to_dict
from engine.experiment.finals import keep_final, reopen
from engine.experiment.summary import keep_extremes, score, summarise, trial_result, weights_of
from engine.network import NetworkSpec
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig

DICT_VERSION = 1
HOMEWORK_BATCH_SIZE = 32
_MAGIC = b"CREASE-EXP1"
_LEN = struct.Struct("<I")


def trial_seeds(seed: int, trials: int) -> list[int]:
    """Seeds of trials 0..trials-1: child t of SeedSequence(seed), as a uint32.
    Trial t's seed does not depend on how many trials there are."""
    children = np.random.SeedSequence(seed).spawn(trials)
    return [int(c.generate_state(1)[0]) for c in children]


# ---------------------------------------------------------------- data

def _points_from(source, what: str):
    """(X 2 x n, labels) from a file path, file text, or an (X, labels) pair."""
    if isinstance(source, tuple) and len(source) == 2:
        X, y = source
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y, dtype=np.int64)
        if X.ndim != 2 or X.shape[0] != 2 or y.shape != (X.shape[1],):
            raise ValueError(f"{what}: X must be 2 x n and labels (n,)")
        return X, y
    if isinstance(source, (str, os.PathLike)) and os.path.isfile(source):
        with open(source, "rb") as f:
            X, y, _ = datafile.parse_points(f.read())
        return X, y
    if isinstance(source, (str, bytes)):
        X, y, _ = datafile.parse_points(source)
        return X, y
    raise ValueError(f"{what}: expected a dataset name, a file, file text or (X, labels)")


def prepare_data(data, validation=None, split: float = 0.25, seed: int = 0, n: int = 400,
                 noise: float | None = None):
    """-> (X_train, y_train, X_val, y_val, n_classes).

    data: a built-in dataset name (``datasets.DATASETS``; n points at its
    default noise unless given), a path to a file in the homework's format,
    such a file's text, or (X 2 x n, labels).  validation: the same kinds
    (not a name), or None to hold out the last ``int(split * n)`` points of
    a reshuffled index.  As the homework's harness loads a file, each set's
    points come shuffled once, by ``default_rng(seed)`` (which first drew a
    built-in set); the trials then take them in this order every epoch.
    """
    rng = np.random.default_rng(seed)
    if isinstance(data, str) and data in datasets.DATASETS:
        entry = datasets.DATASETS[data]
        X, y = datasets.generate(data, n, entry.default_noise if noise is None else noise, rng)
    else:
        X, y = _points_from(data, "data")
    X, y = _shuffled(X, y, rng)
    if validation is not None:
        X_val, y_val = _shuffled(*_points_from(validation, "validation"), rng)
        X_tr, y_tr = X, y
    else:
        X_tr, y_tr, X_val, y_val = _hold_out(X, y, split, rng)
    k = int(max(y_tr.max(), y_val.max() if y_val.size else 0)) + 1
    return X_tr, y_tr, X_val, y_val, max(k, 2)


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    order = rng.permutation(y.shape[0])
    return X[:, order], y[order]


def _hold_out(X: np.ndarray, y: np.ndarray, split: float, rng: np.random.Generator):
    """The harness's split: the last int(split * n) points of a reshuffled
    index are the validation set (at least one point stays in training)."""
    if not 0.0 <= split < 1.0:
        raise ValueError(f"split must be in [0, 1), not {split}")
    n = y.shape[0]
    n_val = min(int(split * n), max(n - 1, 0))
    order = rng.permutation(n)
    train, val = order[:n - n_val], order[n - n_val:]
    return X[:, train], y[train], X[:, val], y[val]


# ---------------------------------------------------------------- experiment

class Experiment:
    """``trials`` independent trainings of one architecture, advanced in chunks.

    X_* are 2 x n float64, y_* (n,) int labels (the validation set may be
    empty), taken in this order every epoch.  hidden: hidden layer sizes, ()
    for none.  init: how each trial draws its weights (``network.INITS``;
    the harness's is "pytorch").  predict_points: b x 2 points (rows, as
    typed) whose predicted classes each trial reports.
    """

    def __init__(self, X_train, y_train, X_val, y_val, hidden: Sequence[int], epochs: int,
                 trials: int = 5, seed: int = 0, n_classes: int | None = None,
                 optimizer: OptimizerSpec | None = None, batch_size: int = HOMEWORK_BATCH_SIZE,
                 activation: str = "relu", predict_points=None, first_trial: int = 0,
                 init: str = "pytorch"):
        if int(epochs) < 1 or int(trials) < 1 or int(first_trial) < 0:
            raise ValueError("epochs and trials must be >= 1, first_trial >= 0")
        self.X_train = np.asarray(X_train, dtype=np.float64)
        self.y_train = np.asarray(y_train, dtype=np.int64)
        self.X_val = np.asarray(X_val, dtype=np.float64).reshape(2, -1)
        self.y_val = np.asarray(y_val, dtype=np.int64).reshape(-1)
        if n_classes is None:
            n_classes = max(int(self.y_train.max()), int(self.y_val.max(initial=0))) + 1
        hidden = tuple(int(h) for h in hidden)
        self.spec = NetworkSpec(input_dim=2, hidden=hidden, activations=(activation,) * len(hidden),
                                output="softmax", n_classes=max(int(n_classes), 2), init=init)
        self.config = TrainConfig(optimizer=optimizer or OptimizerSpec.torch_adam(),
                                  batch_size=int(batch_size), reduction="mean",
                                  shuffle=False, epoch_loss="batch_means")
        self.epochs, self.trials, self.seed = int(epochs), int(trials), int(seed)
        self.first_trial = int(first_trial)
        self.seeds = trial_seeds(self.seed, self.first_trial + self.trials)[self.first_trial:]
        points = None if predict_points is None or len(predict_points) == 0 \
            else np.asarray(predict_points, dtype=np.float64)
        if points is not None and (points.ndim != 2 or points.shape[1] != 2):
            raise ValueError("predict_points must be a list of [x1, x2]")
        self.points = points
        self.results: list[dict] = []
        self.extremes: dict = {}       # "best"/"worst" -> {"trial", "score", "weights"}
        self.finals: list[dict] = []   # every finished trial's state (finals.keep_final)
        self.run: Run | None = None    # the trial in progress
        self.compute_seconds = 0.0

    # ---- progress ----------------------------------------------------------

    @property
    def done(self) -> bool:
        return len(self.results) == self.trials

    @property
    def batches_per_epoch(self) -> int:
        n = self.X_train.shape[1]
        return -(-n // min(self.config.batch_size, n))

    def progress(self) -> dict:
        """Trials and steps done; ``seconds`` is compute time spent so far."""
        per_trial = self.epochs * self.batches_per_epoch
        current = self.run.step if self.run is not None else 0
        done = len(self.results) * per_trial + current
        total = self.trials * per_trial
        return {"trials_done": len(self.results), "trials": self.trials,
                "epoch": self.run.epoch if self.run is not None else (self.epochs if self.done else 0),
                "epochs": self.epochs,
                "steps_done": done, "steps_total": total, "fraction": done / total,
                "seconds": self.compute_seconds}

    # ---- work -------------------------------------------------------------

    def advance(self, deadline: float | None = None) -> bool:
        """Train until every trial is done or ``time.perf_counter() >= deadline``
        (checked after each minibatch step, so each call makes progress).
        Returns ``done``."""
        start = time.perf_counter()
        try:
            while not self.done:
                if self.run is None:
                    self.run = Run(self.spec, self.X_train, self.y_train, self.X_val, self.y_val,
                                   self.config, self.seeds[len(self.results)])
                remaining = self.epochs * self.run.batches_per_epoch - self.run.step
                if remaining > 0 and self.run.state != "diverged":
                    self.run.train_steps(remaining, deadline)
                finished = self.run.step >= self.epochs * self.run.batches_per_epoch \
                    or self.run.state == "diverged"
                if finished:
                    self._finish_trial()
                if deadline is not None and time.perf_counter() >= deadline:
                    break
        finally:
            self.compute_seconds += time.perf_counter() - start
        return self.done

    def _finish_trial(self) -> None:
        """Record the trial in progress and let its Run go."""
        local = len(self.results)
        result = trial_result(self.first_trial + local, self.seeds[local], self.run, self.points)
        self.results.append(result)
        entry = {"trial": result["trial"], "score": score(result), "weights": weights_of(self.run)}
        keep_extremes(self.extremes, entry)
        self.finals.append(keep_final(self.run))
        self.run = None

    def trial_run(self, trial: int) -> Run:
        """Finished trial ``trial`` (its number in the whole experiment) as a Run
        that continues exactly as the trial would have; IndexError if it is not
        one of this Experiment's finished trials."""
        local = trial - self.first_trial
        if not 0 <= local < len(self.finals):
            raise IndexError(f"trial {trial} is not a finished trial of this part")
        return reopen(self.finals[local], self.X_train, self.y_train, self.X_val, self.y_val)

    def result(self) -> dict:
        """The report: configuration, every finished trial, ``summary`` over the
        trials (see ``summarise``) and ``extremes``: the best and worst trial
        by final validation accuracy, with their weights [{"W", "W0"}]."""
        return {
            "hidden": list(self.spec.hidden), "epochs": self.epochs, "trials_requested": self.trials,
            "first_trial": self.first_trial, "seed": self.seed, "batch_size": self.config.batch_size,
            "n_train": int(self.X_train.shape[1]), "n_val": int(self.X_val.shape[1]),
            "n_classes": self.spec.n_classes, "init": self.spec.init, "done": self.done,
            "trials": list(self.results), "summary": summarise(self.results),
            "extremes": dict(self.extremes),
        }

    # ---- dict and bytes forms ---------------------------------------------------

    def to_dict(self) -> dict:
        """JSON-able state (floats exact as JSON writes Python floats); the trial
        in progress as ``checkpoint.run_to_dict``."""
        d = self._state()
        d["run"] = None if self.run is None else run_to_dict(self.run)
        return d

    def to_bytes(self) -> bytes:
        """The same state, compact: the dict without its run as JSON, then the
        run as ``checkpoint.run_to_bytes`` (much faster for large networks)."""
        head = json.dumps(self._state(), separators=(",", ":")).encode()
        run = b"" if self.run is None else run_to_bytes(self.run)
        return _MAGIC + _LEN.pack(len(head)) + head + run

    @classmethod
    def from_dict(cls, d: dict) -> "Experiment":
        """Inverse of to_dict; raises ValueError for a dict it did not write."""
        exp = cls._from_state(d)
        try:
            exp.run = None if d["run"] is None else run_from_dict(d["run"])
        except KeyError as e:
            raise ValueError(f"malformed experiment state: missing {e}") from None
        return exp

    @classmethod
    def from_bytes(cls, data: bytes) -> "Experiment":
        """Inverse of to_bytes; raises ValueError for bytes it did not write."""
        data = bytes(data)
        if data[:len(_MAGIC)] != _MAGIC or len(data) < len(_MAGIC) + _LEN.size:
            raise ValueError("not an experiment state")
        (size,) = _LEN.unpack_from(data, len(_MAGIC))
        start = len(_MAGIC) + _LEN.size
        try:
            state = json.loads(data[start:start + size])
        except ValueError:
            raise ValueError("malformed experiment state: bad header") from None
        exp = cls._from_state(state)
        rest = data[start + size:]
        exp.run = run_from_bytes(rest) if rest else None
        return exp

    def _state(self) -> dict:
        opt = self.config.optimizer
        return {
            "version": DICT_VERSION,
            "hidden": list(self.spec.hidden), "activation": (self.spec.activations or ("relu",))[0],
            "n_classes": self.spec.n_classes, "init": self.spec.init,
            "epochs": self.epochs, "trials": self.trials,
            "seed": self.seed, "first_trial": self.first_trial, "batch_size": self.config.batch_size,
            "optimizer": {f: getattr(opt, f) for f in opt.__dataclass_fields__},
            "data": {"X_train": self.X_train.tolist(), "y_train": self.y_train.tolist(),
                     "X_val": self.X_val.tolist(), "y_val": self.y_val.tolist()},
            "predict_points": None if self.points is None else self.points.tolist(),
            "results": self.results, "extremes": self.extremes, "finals": self.finals,
            "compute_seconds": self.compute_seconds,
        }

    @classmethod
    def _from_state(cls, d: dict) -> "Experiment":
        if not isinstance(d, dict) or d.get("version") != DICT_VERSION:
            raise ValueError("not an experiment state of version %d" % DICT_VERSION)
        try:
            data = d["data"]
            exp = cls(np.array(data["X_train"], dtype=np.float64).reshape(2, -1), data["y_train"],
                      np.array(data["X_val"], dtype=np.float64).reshape(2, -1), data["y_val"],
                      d["hidden"], d["epochs"], d["trials"], d["seed"], d["n_classes"],
                      OptimizerSpec(**d["optimizer"]), d["batch_size"], d["activation"],
                      d["predict_points"], d["first_trial"],
                      d.get("init", "homework"))   # a state from before the setting
            exp.results = list(d["results"])
            exp.extremes = dict(d["extremes"])
            exp.finals = list(d.get("finals", []))   # a state from before finals were kept
            exp.compute_seconds = float(d["compute_seconds"])
        except (KeyError, TypeError) as e:
            raise ValueError(f"malformed experiment state: {e!r}") from None
        if len(exp.results) > exp.trials:
            raise ValueError("malformed experiment state: more results than trials")
        return exp

    def __repr__(self) -> str:
        p = self.progress()
        return (f"Experiment(hidden={list(self.spec.hidden)}, epochs={self.epochs}, "
                f"trials {p['trials_done']}/{self.trials}, seed={self.seed})")


def run_experiment(data, hidden: Sequence[int], epochs: int, split: float = 0.25, trials: int = 5,
                   seed: int = 0, optimizer: OptimizerSpec | None = None,
                   batch_size: int = HOMEWORK_BATCH_SIZE, predict_points=None, validation=None,
                   progress: Callable[[dict], None] | None = None, chunk_seconds: float = 0.5,
                   n: int = 400, noise: float | None = None, init: str = "pytorch") -> dict:
    """The homework's ``run_pytorch_2d`` as one call: prepare the data
    (``prepare_data``), run every trial, return ``Experiment.result()``.
    ``progress`` (if given) is called with ``Experiment.progress()`` after
    each chunk of about ``chunk_seconds``."""
    X_tr, y_tr, X_val, y_val, k = prepare_data(data, validation, split, seed, n, noise)
    exp = Experiment(X_tr, y_tr, X_val, y_val, hidden, epochs, trials, seed, k, optimizer,
                     batch_size, predict_points=predict_points, init=init)
    while not exp.advance(time.perf_counter() + chunk_seconds if progress else None):
        progress(exp.progress())
    if progress:
        progress(exp.progress())
    return exp.result()

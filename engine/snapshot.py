"""A training run's whole state as plain data (``Run.snapshot``,
``Run.from_snapshot``; checkpoint.py stores it)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.network import NetworkSpec
from engine.optim import OPTIMIZERS
from engine.trainconfig import TrainConfig

STATES = ("ready", "training", "diverged")


class _NoDraws:
    """Stands in for a Generator when a run is rebuilt from a snapshot, whose
    weights overwrite those drawn at once."""

    @staticmethod
    def normal(loc, scale, size):
        return np.zeros(size)

    @staticmethod
    def uniform(low, high, size):
        return np.zeros(size)

    def __repr__(self) -> str:
        return "NO_DRAWS"


NO_DRAWS = _NoDraws()


@dataclass
class Snapshot:
    """Everything a Run needs to continue bit for bit (``Run.snapshot``).

    The arrays are the run's own, not copies: read them before it moves on.
    X_train (d x N), y_train (N,), X_val (d x M), y_val (M,) as in Run; params
    (P,) the flat parameter vector (fused.py's layout) and optimizer the
    optimiser's arrays ((P,) each, by name) and optimizer_scalars its numbers,
    all as ``optim``'s ``state()``; rng the state of the run's PCG64 bit
    generator; order the epoch's permutation of 0..N-1 (None before its
    first step) and pos the place in it; the rest as Run's attributes.
    """
    spec: NetworkSpec
    config: TrainConfig
    seed: int
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    params: np.ndarray
    optimizer: dict
    optimizer_scalars: dict
    rng: dict
    step: int
    epoch: int
    batch_in_epoch: int
    pos: int
    order: np.ndarray | None
    state: str
    diverged_at: dict | None
    last_step_loss: float | None
    history: dict

    def check(self, n_train: int) -> None:
        """ValueError unless the parts fit together and with the n_train
        (checked) training points; KeyError for a missing optimiser array."""
        size = self.spec.n_params()
        params = np.asarray(self.params, dtype=self.config.dtype)
        if params.shape != (size,):
            raise ValueError(f"params must have {size} values for this network, got shape {params.shape}")
        if not np.isfinite(params).all():
            raise ValueError("params has a non-finite value")
        for name in OPTIMIZERS[self.config.optimizer.name].STATE:
            value = np.asarray(self.optimizer[name], dtype=self.config.dtype)
            if value.shape != (size,) or not np.isfinite(value).all():
                raise ValueError(f"optimizer state {name!r} must be {size} finite values")
        if self.state not in STATES:
            raise ValueError(f"unknown state {self.state!r}")
        if (self.state == "diverged") != (self.diverged_at is not None):
            raise ValueError("diverged_at must be set exactly when the state is 'diverged'")
        if self.order is not None:
            order = np.asarray(self.order)
            if order.shape != (n_train,) or not np.array_equal(np.sort(order), np.arange(n_train)):
                raise ValueError(f"order must be a permutation of the {n_train} training points")
            if not 0 <= self.pos < n_train:
                raise ValueError(f"pos must be in 0..{n_train - 1}, got {self.pos}")
        elif self.pos or self.batch_in_epoch:
            raise ValueError("a run inside an epoch needs its order")

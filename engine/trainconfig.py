"""A training run's hyperparameters: what may change between steps.

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
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.optim import OptimizerSpec

REDUCTIONS = ("mean", "sum")
# How an epoch's loss is reported: the mean per point, or as the course's
# part-6 harness sums it: the per-batch mean losses (batches of batch_size in
# the set's order) summed and divided by the number of points.
EPOCH_LOSSES = ("mean", "batch_means")
DTYPES = ("float64", "float32")


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

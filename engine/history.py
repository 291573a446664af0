"""What a training run records per epoch, and how a long record is kept short.

A history is a dict of lists keyed by HISTORY_KEYS, one entry per finished
epoch (epochs ascending); a loss or accuracy that is undefined or non-finite
is None.
"""
from __future__ import annotations

METRIC_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc")
HISTORY_KEYS = ("epoch", *METRIC_KEYS)
HISTORY_POINTS = 2000   # most epochs a run's history holds (thin_history)


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

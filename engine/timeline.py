"""A run's past epochs, kept so that any of them can be shown again or trained on from.

A checkpoint is a run's state as an epoch ended: its parameters, the
optimiser's arrays and numbers, the generator, the counters, the state and the
training config (a rate changed mid-run is the old one at the older epochs).
At an epoch's end there is no batch order to keep: the next epoch draws its
permutation from the generator.  The points and the history are not stored:
the run at hand supplies them (``Timeline.restore``), so a change of points,
network or seed must start a new timeline, and the history is the current one
cut at the checkpoint's epoch.  Restoring is exact: the run continues bit for
bit as it did the first time.

A Timeline is only the index (epochs, sizes): each checkpoint's bytes are
handed to the caller once (``Timeline.take_changes``), to keep where it likes.

One checkpoint's bytes: zlib(header length (uint32 LE) | header (JSON: the
snapshot's meta, checkpoint.snapshot_meta, and the optimiser arrays' names) |
params | each optimiser array), the arrays little-endian in the run's dtype.

Keeping (``keep_epochs``): at most ``max_count`` checkpoints of at most
``max_bytes`` in all.  Over either bound, the most recent half of the count
keeps every epoch; older epochs are kept only when they are multiples of the
smallest power of two that fits them in the rest; the first epoch, the one of
the lowest validation loss and the latest are always kept.  The count is
lowered until the bytes fit.  When even those three do not fit, the lowest
loss goes, then the first; a checkpoint larger than ``max_bytes`` (its
arrays before compression, or after) is not kept and ``refused`` says how
large it was.
"""
from __future__ import annotations

import json
import struct
import zlib

import numpy as np

from engine.checkpoint import history_arrays, run_from_state, snapshot_meta
from engine.training import Run

TIMELINE_MAGIC = b"CRT2"   # CRT1 held the checkpoints too
_HEAD = struct.Struct("<4sIII")  # magic, checkpoints, refused (bytes of one too large, or 0), generation
_ENTRY = struct.Struct("<QI")    # epoch (counters go past 2**32: fields.COUNT_MAX), its checkpoint's length
_LEN = struct.Struct("<I")
_LEVEL = 1   # zlib level: float arrays shrink little, and this runs once per epoch


def at_epoch_end(run: Run) -> bool:
    """Whether the run is between epochs (no batch order drawn, none of it done)."""
    s = run.snapshot()
    return s.order is None and not s.pos and not s.batch_in_epoch


def steps_to_epoch_end(run: Run) -> int:
    """Minibatch steps until the run's current epoch ends (its points left over
    the batch size: a batch size changed mid-epoch counts from where it is)."""
    left = run.X_train.shape[1] - run.snapshot().pos
    return -(-left // run.batch_size)


def raw_size(run: Run) -> int:
    """A checkpoint's arrays in bytes before compression: the parameters and the optimiser's."""
    return run.spec.n_params() * (1 + len(run.optimizer.state()[1])) * run.dtype.itemsize


def capture(run: Run) -> bytes:
    """The run's state as its last epoch ended (the module docstring's bytes);
    ValueError when the run is inside an epoch."""
    if not at_epoch_end(run):
        raise ValueError("a checkpoint is taken between epochs")
    s = run.snapshot()
    names = sorted(s.optimizer)
    header = json.dumps({"meta": snapshot_meta(s), "optimizer": names}, separators=(",", ":")).encode()
    dtype = np.dtype(s.config.dtype).newbyteorder("<")
    arrays = [np.ascontiguousarray(a, dtype=dtype).tobytes() for a in (s.params, *(s.optimizer[n] for n in names))]
    return zlib.compress(b"".join([_LEN.pack(len(header)), header, *arrays]), _LEVEL)


def restore(blob: bytes, run: Run) -> Run:
    """A new run in the state ``blob`` captured, with ``run``'s points and its
    history up to that epoch; ValueError when it does not fit ``run``."""
    data = zlib.decompress(blob)
    (size,) = _LEN.unpack_from(data)
    header = json.loads(data[_LEN.size:_LEN.size + size])
    meta, names = header["meta"], header["optimizer"]
    dtype = np.dtype(meta["config"]["dtype"]).newbyteorder("<")
    n = run.spec.n_params()
    flat = np.frombuffer(data, dtype, offset=_LEN.size + size)
    if flat.size != n * (1 + len(names)):
        raise ValueError(f"checkpoint holds {flat.size} numbers, not {n * (1 + len(names))} for this network")
    epoch = meta["epoch"]
    keep = [i for i, e in enumerate(run.history["epoch"]) if e <= epoch]
    history = {key: [values[i] for i in keep] for key, values in run.history.items()}
    arrays = {"params": flat[:n], "X_train": run.X_train, "y_train": run.y_train,
              "X_val": run.X_val, "y_val": run.y_val, **history_arrays(history)}
    for i, name in enumerate(names, start=1):
        arrays["opt_" + name] = flat[i * n:(i + 1) * n]
    restored = run_from_state(meta, arrays)
    if restored.spec != run.spec:
        raise ValueError("checkpoint is of another network")
    return restored


def keep_epochs(epochs: list[int], sizes: list[int], best: int | None,
                max_count: int, max_bytes: int) -> list[int]:
    """The epochs to keep of ``epochs`` (ascending, checkpoints of ``sizes``
    bytes) by the module docstring's rule; ``best``: the epoch of the lowest
    validation loss, or None."""
    if not epochs:
        return []
    size = dict(zip(epochs, sizes))
    fits = lambda kept: sum(size[e] for e in kept) <= max_bytes   # noqa: E731
    must = [epochs[-1], epochs[0]] + ([best] if best in size else [])
    must = list(dict.fromkeys(must))   # latest first: the last to go
    # no more checkpoints than the smallest ones would fill max_bytes with
    limit = min(max_count, len(epochs), max(len(must), max_bytes // max(1, min(sizes))))
    for count in range(limit, len(must) - 1, -1):
        kept = _spread(epochs, must, count)
        if fits(kept):
            return kept
    for count in range(len(must) - 1, 0, -1):
        if fits(must[:count]):
            return sorted(must[:count])
    return []


def _spread(epochs: list[int], must: list[int], count: int) -> list[int]:
    """``count`` (>= len(must)) of ``epochs``: the latest ones, then older
    ones on multiples of a power of two, and ``must``."""
    if len(epochs) <= count:
        return list(epochs)
    recent = epochs[-max(1, count // 2):]
    pinned = set(must) - set(recent)
    room = count - len(recent) - len(pinned)
    older = [e for e in epochs[:-len(recent)] if e not in pinned]
    stride = 1
    while sum(1 for e in older if e % stride == 0) > room:
        stride *= 2
    return sorted(pinned | set(recent) | {e for e in older if e % stride == 0})


class CheckpointMissing(LookupError):
    """A kept epoch whose checkpoint's bytes could not be had (``Timeline.restore``)."""


class Timeline:
    """The index of a run's checkpoints by epoch (ascending), bounded as
    ``record`` is told; ``refused``: the bytes of a checkpoint too large to
    keep at all, or 0.

    The checkpoints' bytes are not part of it: each is handed over once, by
    name, to be kept elsewhere (``take_changes``: those captured and those
    thinned since the last call), so saving the index stays small however
    many epochs are kept.  A name is never used twice, not even by a
    timeline started again (``clear`` moves to the next ``generation``)."""

    def __init__(self, sizes: dict[int, int] | None = None, refused: int = 0, generation: int = 0):
        self._sizes = dict(sorted((sizes or {}).items()))
        self.refused, self.generation = refused, generation
        self._new: dict[int, bytes] = {}   # captured, not yet handed over
        self._gone: list[str] = []         # handed over once, since thinned
        self._bytes: bytes | None = None

    @property
    def epochs(self) -> list[int]:
        return list(self._sizes)

    @property
    def nbytes(self) -> int:
        """The checkpoints' bytes in all (what the bound counts)."""
        return sum(self._sizes.values())

    def name(self, epoch: int) -> str:
        """The name ``epoch``'s checkpoint is handed over and asked for by."""
        return f"{self.generation}.{epoch}"

    def record(self, run: Run, max_count: int, max_bytes: int) -> None:
        """Add the run's state as its epoch ended (replacing one of the same
        epoch), then thin to the bounds.  One whose arrays alone are over
        max_bytes is not even taken (``refused``)."""
        self._bytes = None
        if raw_size(run) > max_bytes:
            self.refused = raw_size(run)
            return
        blob = capture(run)
        self._new[run.epoch] = blob
        self._sizes[run.epoch] = len(blob)
        self._sizes = dict(sorted(self._sizes.items()))
        epochs = self.epochs
        kept = keep_epochs(epochs, [self._sizes[e] for e in epochs], best_epoch(run.history),
                           max_count, max_bytes)
        self._drop(set(epochs) - set(kept))
        self.refused = 0 if self._sizes else len(blob)

    def _drop(self, epochs) -> None:
        for epoch in epochs:
            del self._sizes[epoch]
            if self._new.pop(epoch, None) is None:
                self._gone.append(self.name(epoch))
        self._bytes = None

    def take_changes(self) -> tuple[dict[str, bytes], list[str]]:
        """({name: checkpoint} captured, [name] thinned) since the last call;
        the caller now keeps them (the captured ones are no longer at hand)."""
        new = {self.name(e): blob for e, blob in self._new.items()}
        gone = [n for n in dict.fromkeys(self._gone) if n not in new]   # one thinned, then taken again
        self._new, self._gone = {}, []
        return new, gone

    def restore(self, epoch: int, run: Run, load=None) -> Run:
        """The run as it was at ``epoch`` (a kept one: KeyError otherwise); see
        restore().  A checkpoint handed over is asked of ``load(name) -> bytes
        | None``; CheckpointMissing when it has none."""
        if epoch not in self._sizes:
            raise KeyError(epoch)
        blob = self._new.get(epoch)
        if blob is None and load is not None:
            blob = load(self.name(epoch))
        if blob is None:
            raise CheckpointMissing(epoch)
        return restore(blob, run)

    def cut(self, epoch: int) -> None:
        """Forget the checkpoints after ``epoch`` (a run continued from it)."""
        self._drop([e for e in self._sizes if e > epoch])

    def forget(self, epoch: int) -> None:
        """Take ``epoch`` off the index (its checkpoint was lost)."""
        if epoch in self._sizes:
            self._drop([epoch])

    def clear(self) -> None:
        """Start again empty (a new run): every checkpoint goes, and names
        move to the next generation."""
        self._drop(list(self._sizes))
        self.generation += 1
        self.refused = 0

    def to_bytes(self) -> bytes:
        """TIMELINE_MAGIC, count, refused, generation, then (epoch, length) each;
        kept until the next change (a session is saved every frame)."""
        if self._bytes is None:
            parts = [_HEAD.pack(TIMELINE_MAGIC, len(self._sizes), self.refused, self.generation)]
            parts += [_ENTRY.pack(epoch, size) for epoch, size in self._sizes.items()]
            self._bytes = b"".join(parts)
        return self._bytes

    @classmethod
    def from_bytes(cls, data: bytes) -> "Timeline":
        """Inverse of to_bytes; ValueError for anything else."""
        data = bytes(data)
        if len(data) < _HEAD.size:
            raise ValueError("timeline is truncated")
        magic, count, refused, generation = _HEAD.unpack_from(data)
        if magic != TIMELINE_MAGIC:
            raise ValueError("not a timeline")
        if len(data) != _HEAD.size + count * _ENTRY.size:
            raise ValueError("timeline is truncated" if len(data) < _HEAD.size + count * _ENTRY.size
                             else "timeline has trailing bytes")
        sizes = dict(_ENTRY.iter_unpack(data[_HEAD.size:]))
        timeline = cls(sizes, refused, generation)
        timeline._bytes = data
        return timeline

    def __repr__(self) -> str:
        epochs = self.epochs
        span = f"{epochs[0]}..{epochs[-1]}" if epochs else "none"
        return f"Timeline({len(epochs)} epochs {span}, {self.nbytes} bytes)"


def best_epoch(history: dict) -> int | None:
    """The epoch of the lowest validation loss in ``history`` (the first if tied), or None."""
    scored = [(v, e) for e, v in zip(history["epoch"], history["val_loss"]) if v is not None]
    return min(scored)[1] if scored else None

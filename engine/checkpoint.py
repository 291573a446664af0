"""A Run to bytes and back (for a session store), and to a JSON-able dict and
back (for export and share links).  Both are exact: the restored run holds the
same spec, config, seed, points, weights, optimiser state, generator state,
counters, history and divergence state, and continues bit for bit like the
original.  Nothing is pickled.

Bytes:  b"CREASE\\x00\\x01" | header length (uint32 LE) | header (UTF-8 JSON, space-padded)
        | the arrays' raw little-endian bytes, one after another, each zero-padded
        to a multiple of 8 bytes.
The header is {"meta": run_state(run)'s meta, "arrays": [[name, dtype, shape], ...]}:
the run's ``snapshot()`` (training.py) as JSON and arrays.

Dict:   {"format": "crease-run", "version": 1, "meta": {...},
         "arrays": {name: {"dtype": "f8" | "f4" | "i8" | "i4" | "u1", "shape": [...], "data": [flat values]}}}
with float values written by json as their shortest repr (exact), nan as None.

Each array's dtype code is fixed by its name; the run's own float arrays
(params and the optimiser's opt_*) are in the run's dtype, meta.config.dtype:
"f8" for float64 (also when meta.config has no dtype, as before it existed)
and "f4" for float32.  The points and history are "f8" in either.
"""
from __future__ import annotations

import json
import math
import struct

import numpy as np

from engine.network import NetworkSpec
from engine.optim import OPTIMIZERS, OptimizerSpec
from engine.history import METRIC_KEYS
from engine.snapshot import Snapshot
from engine.trainconfig import TrainConfig
from engine.training import Run

MAGIC = b"CREASE\x00\x01"
FORMAT = "crease-run"
CHECKPOINT_VERSION = 1
_LEN = struct.Struct("<I")
_ALIGN = 8   # the header and every array are padded to 8 bytes: NumPy is slow on unaligned data
# name -> stored dtype; anything else is refused on load
_DTYPES = {"f8": np.dtype("<f8"), "f4": np.dtype("<f4"), "i8": np.dtype("<i8"), "i4": np.dtype("<i4"),
           "u1": np.dtype("u1")}
_STORED = {"y_train": "u1", "y_val": "u1", "order": "i4", "history_epoch": "i8"}
_RUN_FLOATS = {"float64": "f8", "float32": "f4"}   # TrainConfig.dtype -> code of params, opt_*


class CheckpointError(ValueError):
    """A checkpoint that is malformed, truncated or does not fit together."""


# ---- a Run's snapshot as meta and arrays -----------------------------------------

def _int(value) -> int:
    """value as an int if it is one (bools and floats are not), else TypeError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"expected an integer, got {value!r}")
    if value < 0:
        raise ValueError(f"expected an integer >= 0, got {value}")
    return int(value)


def run_state(run: Run) -> tuple[dict, dict[str, np.ndarray]]:
    """Everything needed to continue a run bit for bit: (JSON-able meta,
    arrays).  The arrays are the run's own (not copies): encode them at once."""
    s = run.snapshot()
    meta = snapshot_meta(s)
    arrays = {"params": s.params, "X_train": s.X_train, "y_train": s.y_train,
              "X_val": s.X_val, "y_val": s.y_val}
    for name, value in s.optimizer.items():
        arrays["opt_" + name] = value
    if s.order is not None:
        arrays["order"] = s.order
    arrays.update(history_arrays(s.history))
    return meta, arrays


def snapshot_meta(s: Snapshot) -> dict:
    """The JSON-able part of a snapshot: all but its arrays (run_state's meta)."""
    if s.rng["bit_generator"] != "PCG64":
        raise ValueError(f"unsupported bit generator {s.rng['bit_generator']}")
    return {
        "spec": {"input_dim": s.spec.input_dim, "hidden": list(s.spec.hidden),
                 "activations": list(s.spec.activations), "output": s.spec.output,
                 "n_classes": s.spec.n_classes, "init": s.spec.init},
        "config": {"optimizer": dict(vars(s.config.optimizer)),
                   "batch_size": s.config.batch_size, "reduction": s.config.reduction,
                   "dtype": s.config.dtype, "shuffle": s.config.shuffle,
                   "epoch_loss": s.config.epoch_loss},
        "seed": s.seed, "step": s.step, "epoch": s.epoch,
        "batch_in_epoch": s.batch_in_epoch, "pos": s.pos,
        "state": s.state, "diverged_at": s.diverged_at,
        "last_step_loss": s.last_step_loss,
        "rng": {"state": hex(s.rng["state"]["state"]), "inc": hex(s.rng["state"]["inc"]),
                "has_uint32": s.rng["has_uint32"], "uinteger": s.rng["uinteger"]},
        "optimizer": s.optimizer_scalars,
    }


def history_arrays(history: dict) -> dict[str, np.ndarray]:
    """A history's lists as run_state's history_* arrays (None -> nan)."""
    arrays = {"history_epoch": np.array(history["epoch"], dtype=np.int64)}
    for key in METRIC_KEYS:
        arrays["history_" + key] = np.array(history[key], dtype=np.float64)  # None -> nan
    return arrays


def run_from_state(meta: dict, arrays: dict[str, np.ndarray]) -> Run:
    """Inverse of run_state.  Raises ValueError (or KeyError / TypeError
    for a missing or mistyped entry) when the pieces do not fit together."""
    spec_d, config_d = meta["spec"], meta["config"]
    spec = NetworkSpec(input_dim=_int(spec_d["input_dim"]), hidden=tuple(map(_int, spec_d["hidden"])),
                       activations=tuple(spec_d["activations"]), output=spec_d["output"],
                       n_classes=_int(spec_d["n_classes"]), init=spec_d.get("init", "homework"))
    config = TrainConfig(OptimizerSpec(**config_d["optimizer"]), batch_size=config_d["batch_size"],
                         reduction=config_d["reduction"], dtype=config_d.get("dtype", "float64"),
                         shuffle=config_d.get("shuffle", True), epoch_loss=config_d.get("epoch_loss", "mean"))
    rng = meta["rng"]
    d = meta["diverged_at"]
    loss = meta["last_step_loss"]
    epochs = np.asarray(arrays["history_epoch"])
    history = {"epoch": [int(e) for e in epochs]}
    for key in METRIC_KEYS:
        values = np.asarray(arrays["history_" + key], dtype=np.float64)
        if values.shape != epochs.shape:
            raise ValueError(f"history {key!r} must have {epochs.size} values, got shape {values.shape}")
        history[key] = [None if v != v else v for v in values.tolist()]
    return Run.from_snapshot(Snapshot(
        spec, config, _int(meta["seed"]), arrays["X_train"], arrays["y_train"], arrays["X_val"], arrays["y_val"],
        params=arrays["params"],
        optimizer={name: arrays["opt_" + name] for name in OPTIMIZERS[config.optimizer.name].STATE},
        optimizer_scalars={"t": _int(meta["optimizer"]["t"])} if "t" in meta["optimizer"] else {},
        rng={"bit_generator": "PCG64",
             "state": {"state": int(rng["state"], 16), "inc": int(rng["inc"], 16)},
             "has_uint32": _int(rng["has_uint32"]), "uinteger": _int(rng["uinteger"])},
        step=_int(meta["step"]), epoch=_int(meta["epoch"]), batch_in_epoch=_int(meta["batch_in_epoch"]),
        pos=_int(meta["pos"]), order=arrays.get("order"), state=meta["state"],
        diverged_at=None if d is None else {"epoch": _int(d["epoch"]), "step": _int(d["step"])},
        last_step_loss=None if loss is None else float(loss), history=history))


def _code(name: str, floats: str) -> str:
    """The dtype code of array ``name`` in a checkpoint whose run floats are ``floats``."""
    if name == "params" or name.startswith("opt_"):
        return floats
    return _STORED.get(name, "f8")


def _run_floats(meta) -> str:
    """The code of the run's own float arrays, from meta.config.dtype (float64 when absent)."""
    config = meta.get("config") if isinstance(meta, dict) else None
    dtype = config.get("dtype", "float64") if isinstance(config, dict) else "float64"
    if not isinstance(dtype, str) or dtype not in _RUN_FLOATS:
        raise CheckpointError(f"checkpoint has an unknown dtype {str(dtype)[:20]!r}; "
                              f"expected one of {tuple(_RUN_FLOATS)}")
    return _RUN_FLOATS[dtype]


def _restore(meta, arrays) -> Run:
    try:
        return run_from_state(meta, arrays)
    except CheckpointError:
        raise
    except KeyError as e:
        raise CheckpointError(f"checkpoint is missing {e.args[0]!r}") from None
    except (ValueError, TypeError, AttributeError, OverflowError) as e:
        raise CheckpointError(f"checkpoint does not describe a valid run: {e}") from None


# ---- bytes ------------------------------------------------------------------------

def run_to_bytes(run: Run) -> bytes:
    """Compact exact encoding of the run."""
    meta, arrays = run_state(run)
    floats = _RUN_FLOATS[run.config.dtype]
    parts, index = [], []
    for name, value in arrays.items():
        code = _code(name, floats)
        data = np.ascontiguousarray(value, dtype=_DTYPES[code])
        index.append([name, code, list(data.shape)])
        parts.append(data.tobytes())
        parts.append(b"\x00" * (-data.nbytes % _ALIGN))
    header = json.dumps({"meta": meta, "arrays": index}, separators=(",", ":")).encode()
    header += b" " * (-(len(MAGIC) + _LEN.size + len(header)) % _ALIGN)
    return b"".join([MAGIC, _LEN.pack(len(header)), header, *parts])


def run_from_bytes(data: bytes) -> Run:
    """Inverse of run_to_bytes; CheckpointError for anything else."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise CheckpointError(f"checkpoint must be bytes, got {type(data).__name__}")
    data = bytes(data)
    start = len(MAGIC) + _LEN.size
    if len(data) < start or not data.startswith(MAGIC):
        raise CheckpointError("not a Crease run checkpoint (bad magic bytes)")
    (n_header,) = _LEN.unpack_from(data, len(MAGIC))
    if start + n_header > len(data):
        raise CheckpointError(f"checkpoint is truncated: header needs {n_header} bytes, "
                              f"{len(data) - start} left")
    try:
        header = json.loads(data[start:start + n_header].decode())
        meta, index = header["meta"], header["arrays"]
        if not isinstance(meta, dict) or not isinstance(index, list):
            raise TypeError("meta must be an object and arrays a list")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as e:
        raise CheckpointError(f"checkpoint header is malformed: {e}") from None
    floats = _run_floats(meta)
    arrays, offset = {}, start + n_header
    for entry in index:
        name, dtype, shape = _entry(entry, floats)
        size = dtype.itemsize * math.prod(shape)
        if offset + size + (-size % _ALIGN) > len(data):
            raise CheckpointError(f"checkpoint is truncated: array {name!r} needs {size} bytes, "
                                  f"{len(data) - offset} left")
        arrays[name] = np.frombuffer(data, dtype, math.prod(shape), offset).reshape(shape)
        offset += size + (-size % _ALIGN)
    if offset != len(data):
        raise CheckpointError(f"checkpoint has {len(data) - offset} unexpected trailing bytes")
    return _restore(meta, arrays)


def _entry(entry, floats: str) -> tuple[str, np.dtype, tuple[int, ...]]:
    """[name, dtype code, shape] from a header, checked (floats: see _code)."""
    if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str)
            and entry[1] in _DTYPES and isinstance(entry[2], list)
            and all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2 ** 31 for n in entry[2])):
        raise CheckpointError(f"checkpoint header has a malformed array entry: {str(entry)[:80]}")
    if entry[1] != _code(entry[0], floats):
        raise CheckpointError(f"array {entry[0]!r} must be stored as {_code(entry[0], floats)}, "
                              f"not {entry[1]}")
    return entry[0], _DTYPES[entry[1]], tuple(entry[2])


# ---- JSON-able dict ---------------------------------------------------------------

def run_to_dict(run: Run) -> dict:
    """Exact JSON-able encoding: floats survive json.dumps/loads unchanged."""
    meta, arrays = run_state(run)
    floats = _RUN_FLOATS[run.config.dtype]
    out = {}
    for name, value in arrays.items():
        code = _code(name, floats)
        # float32 values become the float64 numbers equal to them: exact in JSON
        flat = np.asarray(value, dtype=_DTYPES[code]).ravel().tolist()
        if code[0] == "f":
            flat = [None if v != v else v for v in flat]
        out[name] = {"dtype": code, "shape": list(np.shape(value)), "data": flat}
    return {"format": FORMAT, "version": CHECKPOINT_VERSION, "meta": json.loads(json.dumps(meta)), "arrays": out}


def run_from_dict(d: dict) -> Run:
    """Inverse of run_to_dict (also after a JSON round trip); CheckpointError otherwise."""
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise CheckpointError(f"not a Crease run checkpoint (format must be {FORMAT!r})")
    if d.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(f"unsupported checkpoint version {d.get('version')!r}; expected {CHECKPOINT_VERSION}")
    meta, entries = d.get("meta"), d.get("arrays")
    if not isinstance(meta, dict) or not isinstance(entries, dict):
        raise CheckpointError("checkpoint needs 'meta' and 'arrays' objects")
    floats = _run_floats(meta)
    arrays = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict) or not {"dtype", "shape", "data"} <= entry.keys():
            raise CheckpointError(f"array {name!r} needs dtype, shape and data")
        name, dtype, shape = _entry([name, entry["dtype"], entry["shape"]], floats)
        values = entry["data"]
        if not isinstance(values, list) or len(values) != math.prod(shape):
            raise CheckpointError(f"array {name!r} must hold {math.prod(shape)} values for shape {list(shape)}")
        try:
            if dtype.kind == "f":
                if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
                    raise TypeError("values must be numbers or null")
                arr = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
                if dtype != arr.dtype:
                    with np.errstate(over="ignore"):
                        narrow = arr.astype(dtype)
                    # an exact checkpoint holds only numbers the dtype has
                    if not np.array_equal(narrow, arr, equal_nan=True):
                        raise ValueError(f"values must be {dtype.name} numbers")
                    arr = narrow
            else:
                if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                    raise TypeError("values must be integers")
                info = np.iinfo(dtype)
                if values and (min(values) < info.min or max(values) > info.max):
                    raise ValueError(f"values must fit {dtype.name}")
                arr = np.array(values, dtype=dtype)
        except (TypeError, ValueError) as e:
            raise CheckpointError(f"array {name!r}: {e}") from None
        arrays[name] = arr.reshape(shape)
    return _restore(meta, arrays)

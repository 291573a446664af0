"""A Run to bytes and back (for a session store), and to a JSON-able dict and
back (for export and share links).  Both are exact: the restored run holds the
same spec, config, seed, points, weights, optimiser state, generator state,
counters, history and divergence state, and continues bit for bit like the
original.  Nothing is pickled.

Bytes:  b"CREASE\\x00\\x01" | header length (uint32 LE) | header (UTF-8 JSON, space-padded)
        | the arrays' raw little-endian bytes, one after another, each zero-padded
        to a multiple of 8 bytes.
The header is {"meta": Run.export_state()'s meta, "arrays": [[name, dtype, shape], ...]}.

Dict:   {"format": "crease-run", "version": 1, "meta": {...},
         "arrays": {name: {"dtype": "f8" | "i8" | "i4" | "u1", "shape": [...], "data": [flat values]}}}
with float values written by json as their shortest repr (exact), nan as None.
"""
from __future__ import annotations

import json
import math
import struct

import numpy as np

from engine.training import Run

MAGIC = b"CREASE\x00\x01"
FORMAT = "crease-run"
VERSION = 1
_LEN = struct.Struct("<I")
_ALIGN = 8   # the header and every array are padded to 8 bytes: NumPy is slow on unaligned data
# name -> stored dtype; anything else is refused on load
_DTYPES = {"f8": np.dtype("<f8"), "i8": np.dtype("<i8"), "i4": np.dtype("<i4"), "u1": np.dtype("u1")}
_STORED = {"y_train": "u1", "y_val": "u1", "order": "i4", "history_epoch": "i8"}


class CheckpointError(ValueError):
    """A checkpoint that is malformed, truncated or does not fit together."""


def _code(name: str) -> str:
    return _STORED.get(name, "f8")


def _restore(meta, arrays) -> Run:
    try:
        return Run.from_state(meta, arrays)
    except CheckpointError:
        raise
    except KeyError as e:
        raise CheckpointError(f"checkpoint is missing {e.args[0]!r}") from None
    except (ValueError, TypeError, AttributeError, OverflowError) as e:
        raise CheckpointError(f"checkpoint does not describe a valid run: {e}") from None


# ---- bytes ------------------------------------------------------------------------

def run_to_bytes(run: Run) -> bytes:
    """Compact exact encoding of the run."""
    meta, arrays = run.export_state()
    parts, index = [], []
    for name, value in arrays.items():
        code = _code(name)
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
    arrays, offset = {}, start + n_header
    for entry in index:
        name, dtype, shape = _entry(entry)
        size = dtype.itemsize * math.prod(shape)
        if offset + size + (-size % _ALIGN) > len(data):
            raise CheckpointError(f"checkpoint is truncated: array {name!r} needs {size} bytes, "
                                  f"{len(data) - offset} left")
        arrays[name] = np.frombuffer(data, dtype, math.prod(shape), offset).reshape(shape)
        offset += size + (-size % _ALIGN)
    if offset != len(data):
        raise CheckpointError(f"checkpoint has {len(data) - offset} unexpected trailing bytes")
    return _restore(meta, arrays)


def _entry(entry) -> tuple[str, np.dtype, tuple[int, ...]]:
    """[name, dtype code, shape] from a header, checked."""
    if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str)
            and entry[1] in _DTYPES and isinstance(entry[2], list)
            and all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2 ** 31 for n in entry[2])):
        raise CheckpointError(f"checkpoint header has a malformed array entry: {str(entry)[:80]}")
    if entry[1] != _code(entry[0]):
        raise CheckpointError(f"array {entry[0]!r} must be stored as {_code(entry[0])}, not {entry[1]}")
    return entry[0], _DTYPES[entry[1]], tuple(entry[2])


# ---- JSON-able dict ---------------------------------------------------------------

def run_to_dict(run: Run) -> dict:
    """Exact JSON-able encoding: floats survive json.dumps/loads unchanged."""
    meta, arrays = run.export_state()
    out = {}
    for name, value in arrays.items():
        code = _code(name)
        flat = np.asarray(value, dtype=_DTYPES[code]).ravel().tolist()
        if code == "f8":
            flat = [None if v != v else v for v in flat]
        out[name] = {"dtype": code, "shape": list(np.shape(value)), "data": flat}
    return {"format": FORMAT, "version": VERSION, "meta": json.loads(json.dumps(meta)), "arrays": out}


def run_from_dict(d: dict) -> Run:
    """Inverse of run_to_dict (also after a JSON round trip); CheckpointError otherwise."""
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise CheckpointError(f"not a Crease run checkpoint (format must be {FORMAT!r})")
    if d.get("version") != VERSION:
        raise CheckpointError(f"unsupported checkpoint version {d.get('version')!r}; expected {VERSION}")
    meta, entries = d.get("meta"), d.get("arrays")
    if not isinstance(meta, dict) or not isinstance(entries, dict):
        raise CheckpointError("checkpoint needs 'meta' and 'arrays' objects")
    arrays = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict) or not {"dtype", "shape", "data"} <= entry.keys():
            raise CheckpointError(f"array {name!r} needs dtype, shape and data")
        name, dtype, shape = _entry([name, entry["dtype"], entry["shape"]])
        values = entry["data"]
        if not isinstance(values, list) or len(values) != math.prod(shape):
            raise CheckpointError(f"array {name!r} must hold {math.prod(shape)} values for shape {list(shape)}")
        try:
            if dtype.kind == "f":
                if not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
                    raise TypeError("values must be numbers or null")
                arr = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
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

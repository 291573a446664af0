"""A session's export sent back (POST /api/sessions/import) made a run again,
held to this server's limits like any request.

An imported checkpoint's sizes and counters are checked before the engine
builds anything from it (check_import): the engine allocates what a checkpoint's spec describes (a ``hidden`` of
[20000, 20000] is 3 GB of weights) before it can compare the weights sent
with it, so every size that drives an allocation is read from the parsed
JSON here, with integer arithmetic only, and refused with the field's name.
The arrays' own values are bounded by the request body already: each must
list exactly as many values as its shape says.
"""
from __future__ import annotations

import math

import numpy as np
from pydantic import ValidationError

from engine.checkpoint import CheckpointError
from engine.export import run_import
from engine.network import layer_params
from engine.training import Run

from .config import Limits
from .errors import ApiError
from .runs import check_params, network_settings, training_settings
from .fields import COORD_MAX, COUNT_MAX, HISTORY_MAX, SEED_MAX, WEIGHT_MAX
from .schemas import NetworkSettings, TrainingSettings

INPUT_DIM = 2            # a session's points lie in the plane
RNG_WORD_MAX = 2**128 - 1  # PCG64's state and increment
UINT32_MAX = 2**32 - 1
# meta counter -> most it may be (the page reads them as JSON numbers: far below 2**53)
COUNTERS = {"step": COUNT_MAX, "epoch": COUNT_MAX, "pos": COUNT_MAX,
            "batch_in_epoch": COUNT_MAX, "seed": SEED_MAX}
WHERE = "checkpoint"


def import_run(export: dict, limits: Limits) -> Run:
    """The run of ``export`` (an export's parsed JSON, engine.export.run_export's
    shape), continuing exactly where it was; ApiError 400 naming the field
    of anything this server would not have allowed."""
    checkpoint = export["checkpoint"]
    if not finite_everywhere(checkpoint):
        raise ApiError(400, "not_finite", "checkpoint: NaN or infinite number", "checkpoint")
    check_import(checkpoint, limits)   # before the engine allocates what it describes
    try:
        run = run_import(export)
    except (CheckpointError, ValueError, TypeError, KeyError, AttributeError, OverflowError) as e:
        raise ApiError(400, "invalid_export", f"checkpoint: {e}", "checkpoint") from None
    check_run(run, limits)
    return run


def check_import(checkpoint: dict, limits: Limits) -> None:
    """ApiError 400 naming the first field of ``checkpoint`` (an export's
    parsed "checkpoint" object) that exceeds ``limits`` or a counter's range.
    Fields that are missing or of the wrong type are left to the engine,
    which refuses them without allocating more than they describe."""
    meta, arrays = checkpoint.get("meta"), checkpoint.get("arrays")
    if isinstance(meta, dict):
        _check_spec(meta.get("spec"), limits)
        _check_counters(meta)
    if isinstance(arrays, dict):
        _check_arrays(arrays, limits)


def _check_spec(spec, limits: Limits) -> None:
    if not isinstance(spec, dict):
        return
    where = f"{WHERE}.meta.spec"
    input_dim, hidden, n_classes = spec.get("input_dim"), spec.get("hidden"), spec.get("n_classes")
    if _is_int(input_dim) and input_dim != INPUT_DIM:
        _refuse("invalid_export", f"{where}.input_dim", f"must be {INPUT_DIM} (points in the plane)")
    if _is_int(n_classes) and not 2 <= n_classes <= limits.max_classes:
        _refuse("limit_exceeded", f"{where}.n_classes", f"must be 2..{limits.max_classes}")
    if not isinstance(hidden, list):
        return
    if len(hidden) > limits.max_layers:
        _refuse("limit_exceeded", f"{where}.hidden",
                f"{len(hidden)} layers; this server allows {limits.max_layers}")
    for i, units in enumerate(hidden):
        if _is_int(units) and not 1 <= units <= limits.max_units:
            _refuse("limit_exceeded", f"{where}.hidden.{i}",
                    f"{units} units; this server allows 1..{limits.max_units}")
    if all(_is_int(u) for u in hidden) and _is_int(n_classes):
        outputs = 1 if spec.get("output") == "sigmoid" else n_classes
        sizes = [INPUT_DIM, *hidden, outputs]
        n_params = sum(m * n + n for m, n in zip(sizes[:-1], sizes[1:]))
        if n_params > limits.max_params:
            _refuse("limit_exceeded", f"{where}.hidden",
                    f"{n_params} parameters; this server allows {limits.max_params}")


def _check_counters(meta: dict) -> None:
    where = f"{WHERE}.meta"
    counters = [(name, meta.get(name), most) for name, most in COUNTERS.items()]
    optimizer, diverged, rng = meta.get("optimizer"), meta.get("diverged_at"), meta.get("rng")
    if isinstance(optimizer, dict):
        counters.append(("optimizer.t", optimizer.get("t"), COUNT_MAX))
    if isinstance(diverged, dict):
        counters += [(f"diverged_at.{k}", diverged.get(k), COUNT_MAX) for k in ("epoch", "step")]
    if isinstance(rng, dict):
        counters += [("rng.has_uint32", rng.get("has_uint32"), 1),
                     ("rng.uinteger", rng.get("uinteger"), UINT32_MAX)]
        for word in ("state", "inc"):
            text = rng.get(word)
            # a hex string of at most 128 bits, read without converting a longer one
            if isinstance(text, str) and (len(text) > 2 + 32 or not _hex_fits(text)):
                _refuse("out_of_range", f"{where}.rng.{word}", "must be a 128-bit hex number")
    for name, value, most in counters:
        if _is_int(value) and not 0 <= value <= most:
            _refuse("out_of_range", f"{where}.{name}", f"must be 0..{most}")


def _check_arrays(arrays: dict, limits: Limits) -> None:
    points = 0
    for name, entry in arrays.items():
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if not (isinstance(shape, list) and all(_is_int(n) and n >= 0 for n in shape)):
            continue
        where = f"{WHERE}.arrays.{name}.shape"
        if name in ("X_train", "X_val"):
            if len(shape) != 2 or shape[0] != INPUT_DIM:
                _refuse("invalid_export", where, f"must be [{INPUT_DIM}, points]")
            points += shape[1]
            if points > limits.max_points:
                _refuse("limit_exceeded", where, f"{points} points; this server allows "
                        f"{limits.max_points}")
        elif name.startswith("history_") and math.prod(shape) > HISTORY_MAX:
            _refuse("limit_exceeded", where, f"{math.prod(shape)} epochs of history; "
                    f"this server allows {HISTORY_MAX}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _hex_fits(text: str) -> bool:
    try:
        return 0 <= int(text, 16) <= RNG_WORD_MAX
    except ValueError:
        return True   # not a number at all: the engine says so


def _refuse(code: str, field: str, message: str):
    raise ApiError(400, code, f"{field}: {message}", field)


def check_run(run: Run, limits: Limits) -> None:
    """An imported run's settings, sizes, weights and points within ``limits``
    and the bounds of what a request may set."""
    spec = run.spec
    for model, values, name in ((NetworkSettings, network_settings(run), "network"),
                                (TrainingSettings, training_settings(run), "training")):
        try:
            model.model_validate(values, context={"limits": limits})
        except ValidationError as e:
            first = e.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(p) for p in (name, *first["loc"]))
            raise ApiError(400, "limit_exceeded" if first["type"] == "limit_exceeded"
                           else "invalid_export", f"{where}: {first['msg']}", where) from None
    check_params(spec, limits, "network.hidden")
    X = np.hstack([run.X_train, run.X_val])
    problems = [(X.shape[1] > limits.max_points, "checkpoint",
                 f"{X.shape[1]} points; this server allows {limits.max_points}"),
                (spec.n_classes > limits.max_classes, "checkpoint",
                 f"{spec.n_classes} classes; this server allows {limits.max_classes}")]
    for bad, field, message in problems:
        if bad:
            raise ApiError(400, "limit_exceeded", f"{field}: {message}", field)
    largest = max(max(np.abs(W).max(initial=0), np.abs(W0).max(initial=0))
                  for W, W0 in layer_params(run.model))
    if largest > WEIGHT_MAX:   # NaN compares False: refused as not finite below
        raise ApiError(400, "out_of_range", f"checkpoint.arrays.params: a weight beyond "
                       f"±{WEIGHT_MAX:g} (the bound of a weight set by hand)", "checkpoint.arrays.params")
    finite = all(np.isfinite(W).all() and np.isfinite(W0).all() for W, W0 in layer_params(run.model))
    if not (finite and np.isfinite(X).all() and np.abs(X).max() <= COORD_MAX):
        raise ApiError(400, "invalid_export", "checkpoint: weights or points out of range",
                       "checkpoint")


def finite_everywhere(value, depth: int = 0) -> bool:
    """No NaN or infinity anywhere in a parsed JSON value (None is allowed)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        value = value.values()
    if isinstance(value, (list, tuple, type({}.values()))):
        return depth < 64 and all(finite_everywhere(v, depth + 1) for v in value)
    return True

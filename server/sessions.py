"""Session logic over the store: lock, load, change the run, save, draw.

A session is a training run (engine.checkpoint bytes) plus what the run does
not know: the settings as the user gave them, the data revision and the
plane's extent.  Each change happens under the session's lock, so two
requests on one session are serialised, and is saved before the lock is
released; the frame is drawn afterwards from the local copy.  Training
requests draw theirs under the lock and leave the session object to this
worker's DecodedSessions (decoded.py), which the next one takes instead of
decoding the same bytes again.
"""
from __future__ import annotations

import json
import logging
import math
import re
import struct
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import numpy as np
from pydantic import ValidationError

from engine.checkpoint import CheckpointError, run_from_bytes, run_to_bytes
from engine.export import npz_bytes, numpy_script, pytorch_script, run_export, run_import
from engine.network import NetworkSpec, layer_params
from engine.optim import OptimizerSpec
from engine.probe import probe
from engine.training import Run, TrainConfig, thin_history

from . import cost, datasource, frames, heavy, routing
from .config import Config
from .decoded import DecodedSessions
from .errors import ApiError
from .imports import check_import
from .schemas import (COORD_MAX, WEIGHT_MAX, Advance, LayerEdit, NetworkSettings, PointsEdit, Reset,
                      SessionCreate, SessionImport, TrainingSettings, TrainingUpdate, View,
                      WeightEdit)
from .security import client_address
from .store import SessionStore, new_session_id

log = logging.getLogger(__name__)
SESSION_ID = re.compile(routing.SESSION_ID_PATTERN)
MAGIC = b"CRS1"
# format -> (spec, params) -> (bytes, media type, file name); "json" is the session export
DOWNLOADS = {
    "npz": lambda spec, params: (npz_bytes(spec, params), "application/octet-stream",
                                 "crease-network.npz"),
    "python": lambda spec, params: (numpy_script(spec, params).encode(), "text/x-python",
                                    "crease_network.py"),
    "pytorch": lambda spec, params: (pytorch_script(spec, params).encode(), "text/x-python",
                                     "crease_network_torch.py"),
}


@dataclass
class Session:
    run: Run
    settings: dict        # {"data", "network", "training", "seed"} as the user gave them
    revision: int         # bumped whenever the points change
    extent: list[float]   # [x0, x1, y0, y1] of the plane drawn

    def to_bytes(self) -> bytes:
        meta = json.dumps({"settings": self.settings, "revision": self.revision,
                           "extent": self.extent}, separators=(",", ":")).encode()
        return MAGIC + struct.pack("<I", len(meta)) + meta + run_to_bytes(self.run)

    @classmethod
    def from_bytes(cls, blob: bytes) -> "Session":
        if blob[:4] != MAGIC:
            raise CheckpointError("not a session blob")
        (size,) = struct.unpack_from("<I", blob, 4)
        meta = json.loads(blob[8:8 + size])
        return cls(run_from_bytes(blob[8 + size:]), meta["settings"], meta["revision"],
                   meta["extent"])


class Sessions:
    def __init__(self, store: SessionStore, config: Config):
        self.store, self.config, self.limits = store, config, config.limits
        self.decoded = DecodedSessions()

    # ---- life cycle ---------------------------------------------------------------

    def create(self, body: SessionCreate) -> tuple[str, dict]:
        self.store.admit(client_address())   # a refusal costs nothing of what follows
        data = datasource.resolve(body.data, self.limits, "data")
        run = self._new_run(data, body.network, body.training, body.seed, "network")
        if body.resume is not None:
            resume(run, body.resume)
        settings = {"data": data_settings(body.data), "network": body.network.model_dump(),
                    "training": body.training.model_dump(), "seed": body.seed}
        session = Session(run, settings, 1, data.extent)
        view = self._view(body.view, run)
        sid = new_session_id()
        self.store.create(sid, session.to_bytes(), client_address())
        return sid, frames.build(sid, session, view, resumed=body.resume is not None, points=True)

    def import_(self, body: SessionImport) -> tuple[str, dict]:
        """A new session from an export: the run continues exactly where it was."""
        self.store.admit(client_address())
        if not finite_everywhere(body.checkpoint):
            raise ApiError(400, "not_finite", "checkpoint: NaN or infinite number", "checkpoint")
        check_import(body.checkpoint, self.limits)   # before the engine allocates what it describes
        try:
            run = run_import(body.model_dump(exclude={"view"}, exclude_none=True))
        except (CheckpointError, ValueError, TypeError, KeyError, AttributeError, OverflowError) as e:
            raise ApiError(400, "invalid_export", f"checkpoint: {e}", "checkpoint") from None
        settings = self._imported_settings(run)
        X = np.hstack([run.X_train, run.X_val])
        session = Session(run, settings, 1, datasource.extent_of(X))
        view = self._view(body.view, run)
        sid = new_session_id()
        self.store.create(sid, session.to_bytes(), client_address())
        return sid, frames.build(sid, session, view, points=True)

    def info(self, sid: str) -> dict:
        session = self._load(sid)
        session.settings["seed"] = session.run.seed
        return {"session": sid, "settings": session.settings,
                "frame": frames.build(sid, session, self._view(None, session.run, locked=False),
                                      points=True)}

    def frame(self, sid: str, body) -> dict:
        """The current state drawn as ``body.view`` asks; nothing changes, so no lock."""
        session = self._load(sid)
        return frames.build(sid, session, self._view(body.view, session.run, locked=False))

    def delete(self, sid: str) -> None:
        self._check_id(sid)
        with self.store.lock(sid):
            if not self.store.delete(sid):
                raise not_found(sid)

    # ---- training -------------------------------------------------------------------

    def advance(self, sid: str, body: Advance) -> dict:
        with self._locked(sid, reuse=True) as session:
            run = session.run
            step, training = self._training_time(run)
            steps = body.steps if body.steps is not None else body.epochs * run.batches_per_epoch
            view = self._view(body.view, run, min(steps * step, training))
            deadline = time.perf_counter() + training / 1000
            if body.steps is not None:
                requested = {"steps": body.steps}
                done = run.train_steps(body.steps, deadline)
                partial = done < body.steps
            else:
                requested, goal = {"epochs": body.epochs}, run.epoch + body.epochs
                done = run.train_epochs(body.epochs, deadline)
                partial = run.epoch < goal
            advance = {"requested": requested, "steps_done": done,
                       "partial": partial and run.state != "diverged"}
            # drawn here, before the session object is handed back for reuse
            return frames.build(sid, session, view, advance=advance)

    def update_training(self, sid: str, body: TrainingUpdate) -> dict:
        changes = {f: getattr(body, f) for f in body.model_fields_set if f != "view"}
        with self._locked(sid) as session:
            view = self._view(body.view, session.run)
            current = TrainingSettings.model_validate(session.settings["training"])
            merged = current.model_copy(update=changes)
            try:
                session.run.set_config(train_config(merged))
            except ValueError as e:   # a weight of an imported run beyond float32's range
                raise ApiError(400, "out_of_range", f"dtype: {e}", "dtype") from None
            session.settings["training"] = merged.model_dump()
        return frames.build(sid, session, view)

    def update_network(self, sid: str, body: NetworkSettings) -> dict:
        with self._locked(sid) as session:
            old = session.run
            data = datasource.DataArrays(old.X_train, old.y_train, old.X_val, old.y_val,
                                         old.spec.n_classes, session.extent)
            training = TrainingSettings.model_validate(session.settings["training"])
            session.run = self._new_run(data, body, training, old.seed, None)
            view = self._view(body.view, session.run)
            session.settings["network"] = NetworkSettings.model_validate(
                body.model_dump(exclude={"view"})).model_dump()
        return frames.build(sid, session, view)

    def update_data(self, sid: str, body) -> dict:
        data = datasource.resolve(body, self.limits, None)
        with self._locked(sid) as session:
            network = NetworkSettings.model_validate(session.settings["network"])
            training = TrainingSettings.model_validate(session.settings["training"])
            session.run = self._new_run(data, network, training, session.run.seed, "network")
            view = self._view(body.view, session.run)
            session.settings["data"] = data_settings(body)
            session.revision += 1
            session.extent = data.extent
        return frames.build(sid, session, view, points=True)

    def reset(self, sid: str, body: Reset) -> dict:
        with self._locked(sid) as session:
            view = self._view(body.view, session.run)
            session.run.reset(body.seed)
            session.settings["seed"] = session.run.seed
        return frames.build(sid, session, view)

    # ---- by hand ------------------------------------------------------------------

    def set_weights(self, sid: str, body: LayerEdit | WeightEdit) -> dict:
        with self._locked(sid) as session:
            run = session.run
            view = self._view(body.view, run)
            W, _ = layer_shape(run, body.layer)
            m, n = W
            if isinstance(body, WeightEdit):
                check_index("j", body.j, n)
                if body.kind == "W":
                    check_index("i", body.i, m)
                    run.set_weight(body.layer, body.i, body.j, body.value)
                else:
                    run.set_bias(body.layer, body.j, body.value)
            else:
                if body.W is not None and (len(body.W) != m or any(len(r) != n for r in body.W)):
                    raise ApiError(400, "wrong_shape", f"W: layer {body.layer} needs {m} rows "
                                   f"of {n} numbers", "W")
                if body.W0 is not None and len(body.W0) != n:
                    raise ApiError(400, "wrong_shape", f"W0: layer {body.layer} needs {n} "
                                   "numbers", "W0")
                run.set_layer(body.layer, body.W, body.W0)
        return frames.build(sid, session, view)

    def probe(self, sid: str, body) -> dict:
        session = self._load(sid)
        self._check_target(session.run, body.target)
        lr = body.lr if body.lr is not None else session.run.config.optimizer.lr
        return probe(session.run, list(body.x), body.target, lr if body.target is not None else None)

    def apply_probe(self, sid: str, body) -> dict:
        with self._locked(sid) as session:
            run = session.run
            view = self._view(body.view, run)
            self._check_target(run, body.target)
            lr = body.lr if body.lr is not None else run.config.optimizer.lr
            try:
                probe(run, list(body.x), body.target, lr, apply=True)
            except ValueError as e:
                raise ApiError(400, "not_applied", str(e)) from None
        return frames.build(sid, session, view)

    def edit_points(self, sid: str, body: PointsEdit) -> dict:
        with self._locked(sid) as session:
            run = session.run
            view = self._view(body.view, run)
            X_tr, y_tr, X_val, y_val = edited_points(run, body, self.limits.max_points)
            run.set_data(X_tr, y_tr, X_val, y_val, reinit=False)
            session.revision += 1
            session.settings["data"] = {"source": "points"}
            everything = np.hstack([X_tr, X_val])
            x0, x1, y0, y1 = session.extent
            if not ((x0 <= everything[0]).all() and (everything[0] <= x1).all()
                    and (y0 <= everything[1]).all() and (everything[1] <= y1).all()):
                session.extent = datasource.extent_of(everything)
        return frames.build(sid, session, view, points=True)

    def export(self, sid: str, fmt: str) -> tuple[bytes, str, str]:
        session = self._load(sid)
        if fmt == "json":
            body = json.dumps(run_export(session.run), separators=(",", ":"), allow_nan=False)
            return body.encode(), "application/json", f"crease-{sid[:8]}.json"
        return DOWNLOADS[fmt](session.run.spec, layer_params(session.run.model))

    # ---- helpers ------------------------------------------------------------------

    def _new_run(self, data: datasource.DataArrays, network: NetworkSettings,
                 training: TrainingSettings, seed: int, field: str | None) -> Run:
        prefix = f"{field}." if field else ""
        try:
            spec = NetworkSpec(2, tuple(network.hidden), tuple(network.activations),
                               network.output, data.n_classes, network.init)
        except ValueError as e:
            raise ApiError(400, "invalid_network", f"{prefix}output: {e}", f"{prefix}output") from None
        if spec.n_params() > self.limits.max_params:
            raise ApiError(400, "limit_exceeded", f"{prefix}hidden: {spec.n_params()} parameters; "
                           f"this server allows {self.limits.max_params}", f"{prefix}hidden")
        return Run(spec, data.X_train, data.y_train, data.X_val, data.y_val,
                   train_config(training), seed)

    def _imported_settings(self, run: Run) -> dict:
        """Settings of an imported run, held to this server's limits like any request."""
        opt, spec = run.config.optimizer, run.spec
        network = {"hidden": list(spec.hidden), "activations": list(spec.activations),
                   "output": spec.output, "init": spec.init}
        training = {"optimizer": opt.name, "lr": opt.lr, "momentum": opt.momentum,
                    "batch_size": run.config.batch_size, "weight_decay": opt.weight_decay,
                    "beta1": opt.beta1, "beta2": opt.beta2, "eps": opt.eps,
                    "reduction": run.config.reduction, "dtype": run.config.dtype}
        for model, values, name in ((NetworkSettings, network, "network"),
                                    (TrainingSettings, training, "training")):
            try:
                model.model_validate(values, context={"limits": self.limits})
            except ValidationError as e:
                first = e.errors(include_url=False, include_input=False)[0]
                where = ".".join(str(p) for p in (name, *first["loc"]))
                raise ApiError(400, "limit_exceeded" if first["type"] == "limit_exceeded"
                               else "invalid_export", f"{where}: {first['msg']}", where) from None
        X = np.hstack([run.X_train, run.X_val])
        problems = [(spec.n_params() > self.limits.max_params, "network.hidden",
                     f"{spec.n_params()} parameters; this server allows {self.limits.max_params}"),
                    (X.shape[1] > self.limits.max_points, "checkpoint",
                     f"{X.shape[1]} points; this server allows {self.limits.max_points}"),
                    (spec.n_classes > self.limits.max_classes, "checkpoint",
                     f"{spec.n_classes} classes; this server allows {self.limits.max_classes}")]
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
        return {"data": {"source": "points"}, "network": network, "training": training,
                "seed": run.seed}

    def _view(self, view: View | None, run: Run, training_ms: float = 0.0,
              locked: bool = True) -> View:
        """The view fitted to the frame budget; the request, with ``training_ms``
        of training, admitted as heavy or light (heavy.py; ``locked``: it holds
        the session's lock)."""
        view = view or View()
        deepest = max(view.curve_layers, default=0)
        if deepest > len(run.spec.hidden):
            raise ApiError(400, "out_of_range", f"view.curve_layers: this network has "
                           f"{len(run.spec.hidden)} hidden layers", "view.curve_layers")
        view, drawing_ms = cost.fit_view(view, cost.shape_of(run), self.config.frame_budget_ms)
        heavy.admit(training_ms + drawing_ms, locked)
        return view

    def _training_time(self, run: Run) -> tuple[float, float]:
        """(one step's estimate, milliseconds this request may start steps in:
        the budget less one step, so that the last step started ends within
        the budget), both ms.  A step estimated past the budget is refused."""
        budget = self.config.advance_budget_ms
        step = cost.step_ms(cost.shape_of(run), run.batch_size)
        if step > budget:
            raise ApiError(400, "over_budget", f"training.batch_size: one step of {run.batch_size} "
                           f"points through {run.spec.n_params()} parameters is estimated at "
                           f"{step:.0f} ms; this server allows {budget} ms of training a request "
                           "(ADVANCE_BUDGET_MS): use a smaller batch_size or network",
                           "training.batch_size")
        return step, budget - step

    @staticmethod
    def _check_target(run: Run, target: int | None) -> None:
        if target is not None and target >= run.spec.n_classes:
            raise ApiError(400, "out_of_range", f"target: the classes are 0..{run.spec.n_classes - 1}",
                           "target")

    def _check_id(self, sid: str) -> None:
        if not SESSION_ID.fullmatch(sid):
            raise not_found(sid)

    def _load(self, sid: str, reuse: bool = False, held=None) -> Session:
        self._check_id(sid)
        blob = self.store.get(sid, held)
        if blob is None:
            raise not_found(sid)
        if reuse and (kept := self.decoded.take(sid, blob)) is not None:
            return kept
        try:
            return Session.from_bytes(blob)
        except (CheckpointError, ValueError, KeyError) as e:
            # e.g. saved by an older version with another format: the page recreates it
            log.warning("session %s could not be read: %s", sid[:6], e)
            raise not_found(sid) from None

    @contextmanager
    def _locked(self, sid: str, reuse: bool = False) -> Iterator[Session]:
        """The session under its lock; saved when the block ends without an error.
        With ``reuse`` the session may be this worker's object for the stored
        bytes, and is left to it afterwards: the block must be done with it."""
        self._check_id(sid)
        with self.store.lock(sid, read=True) as held:   # taken and read in one round trip
            session = self._load(sid, reuse, held)
            yield session
            blob = session.to_bytes()
            self.store.put(sid, blob, held, release=True)   # one round trip for both
        if reuse:
            self.decoded.keep(sid, blob, session)


def not_found(sid: str) -> ApiError:
    return ApiError(404, "session_not_found", "No such session: it expired or never existed "
                    "(the page can recreate it with 'resume').")


def train_config(t: TrainingSettings) -> TrainConfig:
    opt = OptimizerSpec(t.optimizer, t.lr, t.momentum, t.beta1, t.beta2, t.eps, t.weight_decay)
    return TrainConfig(opt, t.batch_size, t.reduction, t.dtype)


def data_settings(data) -> dict:
    """What GET shows of the data settings: points and file texts are left out
    (the frame carries the points)."""
    if data.source == "generated":
        return data.model_dump(exclude={"view"})
    if data.source == "file":
        return {"source": "file", "val_share": data.val_share, "seed": data.seed,
                "val_file": data.val_text is not None}
    return {"source": "points"}


def layer_shape(run: Run, layer: int) -> tuple[tuple[int, int], int]:
    sizes = run.spec.layer_sizes
    if layer >= len(sizes) - 1:
        raise ApiError(400, "out_of_range", f"layer: this network has layers 0..{len(sizes) - 2}",
                       "layer")
    return (sizes[layer], sizes[layer + 1]), sizes[layer + 1]


def check_index(name: str, value: int, size: int) -> None:
    if value >= size:
        raise ApiError(400, "out_of_range", f"{name}: must be below {size}", name)


def resume(run: Run, state) -> None:
    """Weights, counters and history the page held (the optimizer starts afresh)."""
    sizes = run.spec.layer_sizes
    if len(state.weights) != len(sizes) - 1:
        raise ApiError(400, "wrong_shape", f"resume.weights: this network has {len(sizes) - 1} "
                       "layers", "resume.weights")
    for layer, (lw, m, n) in enumerate(zip(state.weights, sizes[:-1], sizes[1:])):
        if len(lw.W) != m or any(len(row) != n for row in lw.W) or len(lw.W0) != n:
            raise ApiError(400, "wrong_shape", f"resume.weights.{layer}: W must be {m} x {n} "
                           f"and W0 {n} numbers", f"resume.weights.{layer}")
        run.set_layer(layer, lw.W, lw.W0)
    run.step, run.epoch = state.step, state.epoch
    if state.history is not None:
        run.history = thin_history(state.history.model_dump())
    run.state = "training" if state.step else "ready"


def edited_points(run: Run, body: PointsEdit, max_points: int):
    """The run's points with ``body.remove`` taken out, then ``body.add`` put in."""
    splits = {"train": (run.X_train, run.y_train), "val": (run.X_val, run.y_val)}
    keep = {name: np.ones(y.shape[0], dtype=bool) for name, (_, y) in splits.items()}
    for i, ref in enumerate(body.remove):
        check_index(f"remove.{i}.index", ref.index, keep[ref.split].shape[0])
        keep[ref.split][ref.index] = False
    out = {}
    for name, (X, y) in splits.items():
        new = [(p.x, p.label) for p in body.add if p.split == name]
        for i, p in enumerate(body.add):
            if p.label >= run.spec.n_classes:
                raise ApiError(400, "out_of_range", f"add.{i}.label: the classes are "
                               f"0..{run.spec.n_classes - 1}", f"add.{i}.label")
        X_new = np.array([x for x, _ in new], dtype=np.float64).reshape(-1, 2).T
        y_new = np.array([label for _, label in new], dtype=np.int64)
        out[name] = (np.hstack([X[:, keep[name]], X_new]), np.concatenate([y[keep[name]], y_new]))
    if out["train"][1].shape[0] == 0:
        raise ApiError(400, "invalid", "remove: at least one training point must stay", "remove")
    if out["train"][1].shape[0] + out["val"][1].shape[0] > max_points:
        raise ApiError(400, "limit_exceeded", f"add: more than {max_points} points", "add")
    return (*out["train"], *out["val"])


def finite_everywhere(value, depth: int = 0) -> bool:
    """No NaN or infinity anywhere in a parsed JSON value (None is allowed)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        value = value.values()
    if isinstance(value, (list, tuple, type({}.values()))):
        return depth < 64 and all(finite_everywhere(v, depth + 1) for v in value)
    return True

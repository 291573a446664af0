"""Session logic over the store: lock, load, change the run, save, draw.

A session (session_blob.py) is a training run plus what the run does not
know, stored as bytes.  Each change happens under the session's lock, so two
requests on one session are serialised, and is saved before the lock is
released; the frame is drawn afterwards from the local copy.  Training
requests draw theirs under the lock and leave the session object to this
worker's SessionCache (session_cache.py), which the next one takes instead of
decoding the same bytes again.
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import Iterator

import numpy as np

from engine.checkpoint import CheckpointError
from engine.probe import probe
from engine.timeline import CheckpointMissing
from engine.training import Run

from . import cost, datasource, downloads, frames, heavy, replay, routing
from .config import Config
from .errors import ApiError
from .imports import import_run
from .runs import (check_target, data_settings, edited_points, network_settings, new_run, resume,
                   set_weights, train_config, training_settings)
from .schemas import (Advance, LayerEdit, NetworkSettings, PointsEdit, ReplayAt, Reset, SessionCreate,
                      SessionImport, TrainingSettings, TrainingUpdate, View, WeightEdit)
from .security import client_address
from .session_blob import Session
from .session_cache import SessionCache
from .store import SessionStore, new_session_id

log = logging.getLogger(__name__)


class Sessions:
    def __init__(self, store: SessionStore, config: Config):
        self.store, self.config, self.limits = store, config, config.limits
        self.decoded = SessionCache()
        self._context = {"limits": self.limits}   # a run's own settings are within this server's limits

    # ---- life cycle ---------------------------------------------------------------

    def create(self, body: SessionCreate) -> tuple[str, dict]:
        self.store.admit(client_address())   # a refusal costs nothing of what follows
        data = datasource.resolve(body.data, self.limits, "data")
        run = new_run(data, body.network, body.training, body.seed, self.limits, "network")
        if body.resume is not None:
            resume(run, body.resume)
        session = Session(run, data_settings(body.data), 1, data.extent)
        replay.begin(session, self.config)
        view = self._view(body.view, run)
        sid = new_session_id()
        self.store.create(sid, session.to_bytes(), client_address(), session.take_parts())
        return sid, frames.build(sid, session, view, resumed=body.resume is not None, points=True)

    def import_(self, body: SessionImport) -> tuple[str, dict]:
        """A new session from an export: the run continues exactly where it was."""
        self.store.admit(client_address())
        run = import_run(body.model_dump(exclude={"view"}, exclude_none=True), self.limits)
        X = np.hstack([run.X_train, run.X_val])
        session = Session(run, {"source": "points"}, 1, datasource.extent_of(X))
        replay.begin(session, self.config)
        view = self._view(body.view, run)
        sid = new_session_id()
        self.store.create(sid, session.to_bytes(), client_address(), session.take_parts())
        return sid, frames.build(sid, session, view, points=True)

    def info(self, sid: str) -> dict:
        session = self._load(sid)
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
            goal = run.epoch + (body.epochs or 0)
            # each epoch's end is kept for replay as it comes (replay.py)
            done = replay.train(session, self.config, body.steps, body.epochs, deadline)
            if body.steps is not None:
                requested, partial = {"steps": body.steps}, done < body.steps
            else:
                requested, partial = {"epochs": body.epochs}, run.epoch < goal
            advance = {"requested": requested, "steps_done": done,
                       "partial": partial and run.state != "diverged"}
            # drawn here, before the session object is handed back for reuse
            return frames.build(sid, session, view, advance=advance)

    def update_training(self, sid: str, body: TrainingUpdate) -> dict:
        changes = {f: getattr(body, f) for f in body.model_fields_set if f != "view"}
        with self._locked(sid) as session:
            view = self._view(body.view, session.run)
            current = TrainingSettings.model_validate(training_settings(session.run), context=self._context)
            merged = current.model_copy(update=changes)
            try:
                session.run.set_config(train_config(merged))
            except ValueError as e:   # a weight of an imported run beyond float32's range
                raise ApiError(400, "out_of_range", f"dtype: {e}", "dtype") from None
        return frames.build(sid, session, view)

    def update_network(self, sid: str, body: NetworkSettings) -> dict:
        with self._locked(sid) as session:
            old = session.run
            data = datasource.DataArrays(old.X_train, old.y_train, old.X_val, old.y_val,
                                         old.spec.n_classes, session.extent)
            training = TrainingSettings.model_validate(training_settings(old), context=self._context)
            session.run = new_run(data, body, training, old.seed, self.limits, None)
            replay.begin(session, self.config)
            view = self._view(body.view, session.run)
        return frames.build(sid, session, view)

    def update_data(self, sid: str, body) -> dict:
        data = datasource.resolve(body, self.limits, None)
        with self._locked(sid) as session:
            network = NetworkSettings.model_validate(network_settings(session.run), context=self._context)
            training = TrainingSettings.model_validate(training_settings(session.run), context=self._context)
            session.run = new_run(data, network, training, session.run.seed, self.limits, "network")
            view = self._view(body.view, session.run)
            session.data = data_settings(body)
            session.revision += 1
            session.extent = data.extent
            replay.begin(session, self.config)
        return frames.build(sid, session, view, points=True)

    def reset(self, sid: str, body: Reset) -> dict:
        with self._locked(sid) as session:
            view = self._view(body.view, session.run)
            session.run.reset(body.seed)
            replay.begin(session, self.config)
        return frames.build(sid, session, view)

    # ---- by hand ------------------------------------------------------------------

    def set_weights(self, sid: str, body: LayerEdit | WeightEdit) -> dict:
        with self._locked(sid) as session:
            run = session.run
            view = self._view(body.view, run)
            set_weights(run, body)
        return frames.build(sid, session, view)

    def probe(self, sid: str, body) -> dict:
        session = self._load(sid)
        check_target(session.run, body.target)
        lr = body.lr if body.lr is not None else session.run.config.optimizer.lr
        return probe(session.run, list(body.x), body.target, lr if body.target is not None else None)

    def apply_probe(self, sid: str, body) -> dict:
        with self._locked(sid) as session:
            run = session.run
            view = self._view(body.view, run)
            check_target(run, body.target)
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
            replay.begin(session, self.config)   # the older epochs' checkpoints hold no points
            session.revision += 1
            session.data = {"source": "points"}
            everything = np.hstack([X_tr, X_val])
            x0, x1, y0, y1 = session.extent
            if not ((x0 <= everything[0]).all() and (everything[0] <= x1).all()
                    and (y0 <= everything[1]).all() and (everything[1] <= y1).all()):
                session.extent = datasource.extent_of(everything)
        return frames.build(sid, session, view, points=True)

    # ---- past epochs (replay.py) ----------------------------------------------------

    def replay_info(self, sid: str) -> dict:
        return replay.info(self._load(sid), self.config)

    def replay_frame(self, sid: str, body: ReplayAt) -> dict:
        """The session drawn as it was at ``body.epoch``; nothing changes, so no
        lock (but for a checkpoint lost from the store: see replay.forget_lost)."""
        load = self._part_loader(sid)
        try:
            past = replay.at(self._load(sid), body.epoch, load)
        except CheckpointMissing:
            with self._locked(sid) as session:
                replay.forget_lost(session, body.epoch, load)
            raise replay.lost(session, body.epoch) from None
        return frames.build(sid, past, self._view(body.view, past.run, locked=False))

    def replay_continue(self, sid: str, body: ReplayAt) -> dict:
        missing = False
        with self._locked(sid) as session:
            view = self._view(body.view, session.run)
            try:
                replay.branch(session, body.epoch, self._part_loader(sid))
            except CheckpointMissing:
                session.timeline.forget(body.epoch)   # saved as the block ends
                missing = True
        if missing:
            raise replay.lost(session, body.epoch)
        return frames.build(sid, session, view)

    def _part_loader(self, sid: str):
        return lambda name: self.store.get_part(sid, name)

    def export(self, sid: str, fmt: str) -> tuple[bytes, str, str]:
        return downloads.export(self._load(sid).run, fmt, sid)

    # ---- helpers ------------------------------------------------------------------

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

    def _check_id(self, sid: str) -> None:
        if not routing.SESSION_ID_RE.fullmatch(sid):
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
            # one round trip for both, with the checkpoints recorded or thinned meanwhile
            self.store.put(sid, blob, held, release=True, parts=session.take_parts())
        if reuse:
            self.decoded.keep(sid, blob, session)


def not_found(sid: str) -> ApiError:
    return ApiError(404, "session_not_found", "No such session: it expired or never existed "
                    "(the page can recreate it with 'resume').")

"""The experiment runner: the homework's part 6 on the server, in chunks.

``POST /api/experiments`` prepares the data once (``engine.experiment.
prepare_data``, exactly as the command line does) and stores one
``engine.experiment.Experiment`` per *part*: an architecture and a run of its
trials (``first_trial``, ``trials``).  The page then drives the parts:
``POST .../advance {"part": p}`` loads that part from the session store,
trains it for at most ``budget_ms`` and stores it again, under the part's own
lock, so any worker can serve the next chunk and different parts can run as
parallel requests.  Results merge the parts of each architecture with
``merge_results``: trials are seeded by their index alone, so the split into
parts and chunks changes nothing (tests check chunked == uninterrupted ==
the command line).  ``DELETE`` cancels: the parts go, a chunk in flight
finishes and then finds nothing to continue.
"""
from __future__ import annotations

import json
import re
import time
from functools import reduce

import numpy as np
from flask import Blueprint, Response, render_template

from engine.datafile import DataFileError
from engine.experiment.finals import final_size
from engine.experiment.harness import Experiment, prepare_data
from engine.experiment.summary import merge_results
from engine.grid import GridPass
from engine.network import NetworkSpec
from engine.optim import OptimizerSpec

from . import cost, crease, datasource, frames, heavy
from .errors import ApiError
from .experiment_schemas import (ChunkDone, ChunkRequest, ExperimentCreate, ExperimentResults,
                                 ExperimentStatus, ResultsQuery)
from .routing import route
from .store import new_session_id

PARALLEL_PARTS = 4          # an architecture's trials are split into at most this many parts
EXPERIMENT_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
ON_EXPERIMENT = (400, 404, 409, 503)

experiments_api = Blueprint("experiments_api", __name__, url_prefix="/api")
experiment_pages = Blueprint("experiment_pages", __name__)


def manifest_key(eid: str) -> str:
    return f"experiment:{eid}"


def part_key(eid: str, part: int) -> str:
    return f"experiment:{eid}:{part}"


def trial_groups(trials: int, parts: int = PARALLEL_PARTS) -> list[tuple[int, int]]:
    """[(first_trial, trials)]: ``trials`` split into at most ``parts`` runs, in order."""
    count = min(trials, parts)
    sizes = [trials // count + (i < trials % count) for i in range(count)]
    starts = [sum(sizes[:i]) for i in range(count)]
    return list(zip(starts, sizes))


def optimizer_of(body: ExperimentCreate) -> OptimizerSpec:
    if body.optimizer == "adam":
        return OptimizerSpec.torch_adam(lr=body.lr)
    return OptimizerSpec("sgd", body.lr)


def data_of(body: ExperimentCreate, limits):
    """(X_tr, y_tr, X_val, y_val, k) as ``prepare_data`` makes them for the command line."""
    d = body.data
    try:
        if d.source == "generated":
            return prepare_data(d.name, None, body.split, body.seed, d.n, d.noise)
        for field, text in (("data.text", d.text), ("data.val_text", d.val_text)):
            if text is not None:
                datasource.read_file(text, limits, field)   # limits and line-numbered errors
        return prepare_data(d.text, d.val_text, body.split, body.seed)
    except DataFileError as e:
        raise ApiError(400, "datafile_error", f"data: {e}", "data") from None
    except ValueError as e:
        raise ApiError(400, "invalid", f"data: {e}", "data") from None


def check_kept(body: ExperimentCreate, n_classes: int, n_train: int, limit_kb: int) -> None:
    """400 naming ``trials`` when every trial's final state (kept so that any
    trial opens in the playground, experiment_trials.py) would pass TRIAL_WEIGHTS_KB."""
    total = 0
    for hidden in body.architectures:
        spec = NetworkSpec(2, tuple(hidden), ("relu",) * len(hidden), "softmax", n_classes)
        total += body.trials * final_size(spec.n_params(), body.optimizer, n_train, body.epochs)
    if total > limit_kb * 1024:
        raise ApiError(400, "limit_exceeded", f"trials: keeping every trial's final state (to open it "
                       f"in the playground) takes about {-(-total // 1024)} KB; this server allows "
                       f"{limit_kb} KB (TRIAL_WEIGHTS_KB): use fewer trials or smaller networks", "trials")


def _progress_sum(parts: list[dict]) -> dict:
    """One progress over parts that run side by side."""
    def add(a, b):
        return {k: a[k] + b[k] for k in ("trials_done", "trials", "steps_done", "steps_total", "seconds")}
    total = reduce(add, parts)
    return {**total, "epoch": min(p["epoch"] for p in parts), "epochs": parts[0]["epochs"],
            "fraction": total["steps_done"] / total["steps_total"] if total["steps_total"] else 1.0}


class Experiments:
    """Experiments over the session store: a manifest and one blob per part."""

    def __init__(self, store, config):
        self.store, self.config, self.limits = store, config, config.limits

    def create(self, body: ExperimentCreate) -> dict:
        X_tr, y_tr, X_val, y_val, k = data_of(body, self.limits)
        if k > self.limits.max_classes:
            raise ApiError(400, "limit_exceeded", f"data: {k} classes; this server allows "
                           f"{self.limits.max_classes}", "data")
        if y_tr.shape[0] + y_val.shape[0] > self.limits.max_points:
            raise ApiError(400, "limit_exceeded", f"data: more than {self.limits.max_points} points",
                           "data")
        for index, hidden in enumerate(body.architectures):
            n_params = NetworkSpec(2, tuple(hidden), ("relu",) * len(hidden), "softmax", k).n_params()
            if n_params > self.limits.max_params:
                raise ApiError(400, "limit_exceeded", f"architectures.{index}: {n_params} parameters; "
                               f"this server allows {self.limits.max_params}", f"architectures.{index}")
            step = self._step_ms(hidden, k, y_tr.shape[0], y_val.shape[0], body.batch_size)
            if step > self.config.advance_budget_ms:
                raise ApiError(400, "over_budget", f"architectures.{index}: one step is estimated at "
                               f"{step:.0f} ms; this server allows {self.config.advance_budget_ms} ms "
                               "a chunk (ADVANCE_BUDGET_MS): use a smaller batch_size or network",
                               f"architectures.{index}")
        check_kept(body, k, y_tr.shape[0], self.config.trial_weights_kb)
        groups = len(trial_groups(body.trials))
        heavy.admit(cost.stored_parts_ms(len(body.architectures) * groups,
                                         y_tr.shape[0] + y_val.shape[0]))
        eid = new_session_id()
        parts = []
        for arch, hidden in enumerate(body.architectures):
            for first, count in trial_groups(body.trials):
                exp = Experiment(X_tr, y_tr, X_val, y_val, hidden, body.epochs, count, body.seed, k,
                                 optimizer_of(body), body.batch_size, predict_points=body.points,
                                 first_trial=first, init=body.init)
                self.store.put(part_key(eid, len(parts)), exp.to_bytes())
                parts.append({"part": len(parts), "architecture": arch, "hidden": list(hidden),
                              "first_trial": first, "trials": count})
        manifest = {"architectures": [list(h) for h in body.architectures], "parts": parts,
                    "n_train": int(y_tr.shape[0]), "n_val": int(y_val.shape[0]), "n_classes": k}
        self.store.put(manifest_key(eid), json.dumps(manifest).encode())
        return self.status(eid)

    @staticmethod
    def _step_ms(hidden, k: int, n_train: int, n_val: int, batch_size: int) -> float:
        shape = cost.Shape((2, *hidden, k), n_train + n_val)
        return cost.step_ms(shape, min(batch_size, n_train))

    @staticmethod
    def stored_ms(manifest: dict, parts: list[dict]) -> float:
        """Reading ``parts`` of the manifest's experiment from the store: the
        best and worst trial's weights, and every trial's kept final state (weights
        and at most two optimiser arrays)."""
        k = manifest["n_classes"]
        weights = sum((2 + 3 * p["trials"]) * cost.Shape((2, *p["hidden"], k), 0).params for p in parts)
        return cost.stored_parts_ms(len(parts), manifest["n_train"] + manifest["n_val"], weights)

    def manifest(self, eid: str) -> dict:
        blob = self.store.get(manifest_key(eid)) if EXPERIMENT_ID.fullmatch(eid) else None
        if blob is None:
            raise ApiError(404, "not_found", "No such experiment: it was cancelled, expired or never existed.")
        return json.loads(blob)

    def part(self, eid: str, part: int) -> Experiment:
        blob = self.store.get(part_key(eid, part))
        if blob is None:
            raise ApiError(404, "not_found", "No such experiment: it was cancelled or expired.")
        return Experiment.from_bytes(blob)

    def status(self, eid: str) -> dict:
        manifest = self.manifest(eid)
        heavy.admit(self.stored_ms(manifest, manifest["parts"]))
        parts = []
        for p in manifest["parts"]:
            exp = self.part(eid, p["part"])
            parts.append({**p, "done": exp.done, "progress": exp.progress()})
        return {"experiment": eid, "architectures": manifest["architectures"],
                "n_train": manifest["n_train"], "n_val": manifest["n_val"],
                "n_classes": manifest["n_classes"], "parts": parts,
                "progress": _progress_sum([p["progress"] for p in parts]),
                "done": all(p["done"] for p in parts)}

    def advance(self, eid: str, body: ChunkRequest) -> dict:
        manifest = self.manifest(eid)
        if body.part >= len(manifest["parts"]):
            raise ApiError(400, "out_of_range", f"part: this experiment has parts "
                           f"0..{len(manifest['parts']) - 1}", "part")
        key = part_key(eid, body.part)
        budget = min(body.budget_ms, self.config.advance_budget_ms)
        with self.store.lock(key) as held:
            exp = self.part(eid, body.part)
            # the last step started must end within the budget (as a session's advance)
            step = self._step_ms(exp.spec.hidden, manifest["n_classes"], manifest["n_train"],
                                 manifest["n_val"], exp.config.batch_size)
            if step > budget:
                raise ApiError(400, "over_budget", f"budget_ms: one step of this part is estimated "
                               f"at {step:.0f} ms; ask for at least that (this server allows at most "
                               f"{self.config.advance_budget_ms} ms, ADVANCE_BUDGET_MS)", "budget_ms")
            if not exp.done:
                heavy.admit(budget + self.stored_ms(manifest, [manifest["parts"][body.part]]),
                            locked=True)
                exp.advance(time.perf_counter() + (budget - step) / 1000)
                # DELETE takes this lock before removing the part: no cancel can slip in here.
                self.store.put(key, exp.to_bytes(), held)
        return {"part": body.part, "done": exp.done, "progress": exp.progress()}

    def results(self, eid: str, grid: int) -> dict:
        manifest = self.manifest(eid)
        asked = grid
        # every architecture draws its best and its worst trial: all at one grid, within the budget
        shapes = [cost.Shape((2, *hidden, manifest["n_classes"]), 0)
                  for hidden in manifest["architectures"]] * 2
        grid, estimate = cost.fit_grids(shapes, grid, self.config.frame_budget_ms)
        heavy.admit(estimate + self.stored_ms(manifest, manifest["parts"]))
        parts = [self.part(eid, p["part"]) for p in manifest["parts"]]
        first = parts[0]
        X = np.hstack([first.X_train, first.X_val])
        extent = datasource.extent_of(X)
        architectures = []
        for arch, hidden in enumerate(manifest["architectures"]):
            mine = [exp for p, exp in zip(manifest["parts"], parts) if p["architecture"] == arch]
            merged = merge_results([exp.result() for exp in mine])
            acts = ("relu",) * len(hidden) + ("softmax",)
            regions = {}
            for name, entry in merged.pop("extremes").items():
                params = [(np.array(w["W"]), np.array(w["W0"]).reshape(-1, 1)) for w in entry["weights"]]
                regions[name] = {"trial": entry["trial"], "score": entry["score"],
                                 "grid": frames.grid(GridPass(params, acts, extent, grid),
                                                     merged["n_classes"], False)}
            architectures.append({**merged, "regions": regions})
        points = None if first.points is None else first.points.tolist()
        degraded = None if grid == asked else {
            "budget_ms": self.config.frame_budget_ms, "estimate_ms": round(estimate, 1),
            "asked": {"grid": asked}, "drawn": {"grid": grid}}
        return {"experiment": eid, "done": all(exp.done for exp in parts), "degraded": degraded,
                "extent": extent,
                "points": {"train": datasource.to_rows(first.X_train, first.y_train),
                           "val": datasource.to_rows(first.X_val, first.y_val)},
                "predict_points": points, "architectures": architectures}

    def delete(self, eid: str) -> None:
        manifest = self.manifest(eid)
        for p in manifest["parts"]:
            key = part_key(eid, p["part"])
            with self.store.lock(key):   # a chunk in flight finishes first
                self.store.delete(key)
        self.store.delete(manifest_key(eid))


def experiments() -> Experiments:
    app = crease()
    return Experiments(app.store, app.config)


@route(experiments_api, "POST", "/experiments", summary="Start an experiment (homework part 6)",
       body=ExperimentCreate, answer=ExperimentStatus, status=201, errors=(400, 413, 503))
def create_experiment(body: ExperimentCreate):
    return experiments().create(body), 201


@route(experiments_api, "GET", "/experiments/<sid:eid>", summary="An experiment's parts and progress",
       answer=ExperimentStatus, errors=ON_EXPERIMENT)
def experiment_status(eid: str):
    return experiments().status(eid)


@route(experiments_api, "POST", "/experiments/<sid:eid>/advance",
       summary="Train one part for at most budget_ms (parts may run in parallel)",
       body=ChunkRequest, answer=ChunkDone, errors=ON_EXPERIMENT)
def advance_experiment(eid: str, body: ChunkRequest):
    return experiments().advance(eid, body)


@route(experiments_api, "GET", "/experiments/<sid:eid>/results",
       summary="Per architecture: accuracies, curves, best and worst trial's regions",
       query=ResultsQuery, answer=ExperimentResults, errors=ON_EXPERIMENT)
def experiment_results(eid: str, query: ResultsQuery):
    return experiments().results(eid, query.grid)


@route(experiments_api, "DELETE", "/experiments/<sid:eid>", summary="Cancel and forget an experiment",
       status=204, errors=ON_EXPERIMENT)
def delete_experiment(eid: str):
    experiments().delete(eid)
    return Response(status=204)


@experiment_pages.get("/experiments")
def experiments_page():
    """The experiment runner; ``?preset=6.1`` (... 6.7) opens a homework question."""
    return render_template("experiments.html")

"""Every trial of an experiment at once (the homework's 6.1 and 6.2), and any
one of them opened in the playground.

``GET /api/experiments/{id}/trials`` draws each finished trial as a small
multiple: its class regions on a small grid fitted to FRAME_BUDGET_MS, its
first-layer unit lines and its verdict (``summary.verdicts``: stuck at one
class, a poor optimum, fine), so the page can show them as they finish.
``POST /api/experiments/{id}/open`` makes a playground session of one
finished trial: the trial's own Run (``Experiment.trial_run``: same data
split, weights, epoch and optimiser state), so training it on continues that
trial.  Keeping every trial's state is bounded by TRIAL_WEIGHTS_KB, checked
when the experiment is created (``experiments.check_kept``).
"""
from __future__ import annotations

import numpy as np
from flask import Blueprint

from engine.experiment.summary import POOR_MARGIN, verdicts
from engine.grid import GridPass
from engine.network import layer_params

from . import cost, datasource, frames, heavy
from .errors import ApiError
from .experiment_schemas import TrialMultiples, TrialOpen, TrialOpened, TrialsQuery
from .experiments import ON_EXPERIMENT, experiments
from .routing import route
from .security import client_address
from .session_blob import Session
from .store import new_session_id

trials_api = Blueprint("experiment_trials", __name__, url_prefix="/api")


def _finished(eid: str):
    """(runner, manifest, [(part entry, Experiment)]) of every part."""
    runner = experiments()
    manifest = runner.manifest(eid)
    return runner, manifest, [(p, runner.part(eid, p["part"])) for p in manifest["parts"]]


def _multiple(exp, result: dict, verdict: str, extent, grid: int) -> dict:
    """One finished trial of ``exp`` drawn small: its regions and its first layer's lines."""
    run = exp.trial_run(result["trial"])
    params = layer_params(run.model)
    acts = run.spec.activations + ("softmax",)
    W, W0 = params[0]
    return {
        **{key: result[key] for key in ("trial", "seed", "epochs", "state", "final_val_acc",
                                        "final_train_acc", "classes_predicted")},
        "verdict": verdict,
        "grid": frames.grid(GridPass(params, acts, extent, grid), run.spec.n_classes, False),
        # unit j's line: w1 x1 + w2 x2 + b = 0 (only a hidden layer's units draw one)
        "lines": [[float(W[0, j]), float(W[1, j]), float(W0[j, 0])] for j in range(W.shape[1])]
        if run.spec.hidden else []}


def multiples(eid: str, grid: int) -> dict:
    runner, manifest, parts = _finished(eid)
    k = manifest["n_classes"]
    shapes = [cost.Shape((2, *p["hidden"], k), 0) for p, exp in parts for _ in exp.results]
    asked = grid
    grid, estimate = cost.fit_grids(shapes, grid, runner.config.frame_budget_ms)
    heavy.admit(estimate + runner.stored_ms(manifest, manifest["parts"]))
    first = parts[0][1]
    extent = datasource.extent_of(np.hstack([first.X_train, first.X_val]))
    architectures = []
    for arch, hidden in enumerate(manifest["architectures"]):
        mine = [(p, exp) for p, exp in parts if p["architecture"] == arch]
        finished = sorted(((r, exp) for _, exp in mine for r in exp.results), key=lambda f: f[0]["trial"])
        judged = verdicts([r for r, _ in finished])   # against the best trial finished so far
        architectures.append({
            "architecture": arch, "hidden": list(hidden), "trials_requested": sum(p["trials"] for p, _ in mine),
            "trials": [_multiple(exp, r, v, extent, grid) for (r, exp), v in zip(finished, judged)]})
    degraded = None if grid == asked or not shapes else {
        "budget_ms": runner.config.frame_budget_ms, "estimate_ms": round(estimate, 1),
        "asked": {"grid": asked}, "drawn": {"grid": grid}}
    return {"experiment": eid, "done": all(exp.done for _, exp in parts), "degraded": degraded,
            "extent": extent, "poor_margin": POOR_MARGIN,
            "points": {"train": datasource.to_rows(first.X_train, first.y_train),
                       "val": datasource.to_rows(first.X_val, first.y_val)},
            "architectures": architectures}


def open_trial(eid: str, body: TrialOpen) -> dict:
    runner, manifest, _ = _finished(eid)
    if body.architecture >= len(manifest["architectures"]):
        raise ApiError(400, "out_of_range", f"architecture: this experiment has architectures "
                       f"0..{len(manifest['architectures']) - 1}", "architecture")
    part = next((p for p in manifest["parts"] if p["architecture"] == body.architecture
                 and p["first_trial"] <= body.trial < p["first_trial"] + p["trials"]), None)
    if part is None:
        last = max(p["first_trial"] + p["trials"] for p in manifest["parts"]) - 1
        raise ApiError(400, "out_of_range", f"trial: this experiment has trials 0..{last}", "trial")
    runner.store.admit(client_address())   # a refusal costs nothing of what follows
    heavy.admit(runner.stored_ms(manifest, [part]))
    exp = runner.part(eid, part["part"])
    try:
        run = exp.trial_run(body.trial)
    except IndexError:
        raise ApiError(409, "not_finished", f"trial: trial {body.trial} has not finished yet", "trial") from None
    session = Session(run, {"source": "points"}, 1,
                      datasource.extent_of(np.hstack([run.X_train, run.X_val])))
    sid = new_session_id()
    runner.store.create(sid, session.to_bytes(), client_address())
    return {"session": sid, "architecture": body.architecture, "trial": body.trial,
            "epoch": run.epoch, "step": run.step}


@route(trials_api, "GET", "/experiments/<sid:eid>/trials",
       summary="Every finished trial as a small multiple: regions, unit lines, accuracy, verdict",
       query=TrialsQuery, answer=TrialMultiples, errors=ON_EXPERIMENT)
def trial_multiples(eid: str, query: TrialsQuery):
    return multiples(eid, query.grid)


@route(trials_api, "POST", "/experiments/<sid:eid>/open",
       summary="A playground session holding one finished trial exactly (split, weights, epoch, optimizer)",
       body=TrialOpen, answer=TrialOpened, status=201, errors=(*ON_EXPERIMENT, 413))
def open_in_playground(eid: str, body: TrialOpen):
    return open_trial(eid, body), 201

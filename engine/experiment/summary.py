"""What the experiment harness reports: one trial's numbers, and the
summary over trials (also across Experiments run in parallel).

A trial's result is a plain JSON-able dict (see ``trial_result``); accuracies
are shares in [0, 1]; None marks what is undefined (no validation set, a run
that diverged before its first epoch).  Epochs: ``history["epoch"]`` counts
epochs trained (1-based); the epoch of minimum validation loss is 0-based,
as the homework's harness plots and reads it (``range(epochs)``), with the
1-based count beside it (``..._1based``).
"""
from __future__ import annotations

import math

import numpy as np

from engine.network import layer_params

# A trial whose score is more than this below the best trial's of its
# architecture sits in a poor optimum: 10 points of accuracy is more than the
# spread of trials that found the same solution on the homework's data sets.
POOR_MARGIN = 0.1


def _stats(values: list) -> dict | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": min(values), "max": max(values), "mean": math.fsum(values) / len(values)}


def _number(v) -> float | None:
    return None if v is None else float(v)


def trial_result(index: int, seed: int, run, points: np.ndarray | None) -> dict:
    """Everything the harness reports about one finished trial: ``run`` is its
    training.Run, ``points`` (b x 2 rows) get their predicted classes."""
    h = run.history
    val_acc = [a for a in h["val_acc"] if a is not None]
    val_loss = h["val_loss"]
    finite = [(loss, e) for loss, e in zip(val_loss, h["epoch"]) if loss is not None]
    best = min(finite) if finite else None
    predictions = None
    X_judged = run.X_val if run.X_val.shape[1] else run.X_train
    with np.errstate(all="ignore"):   # a diverged run's last weights may overflow
        judged = run.model.modules[-1].class_fun(run.model.forward(X_judged))
    if points is not None and points.shape[0]:
        model = run.model
        predictions = model.modules[-1].class_fun(model.forward(points.T)).tolist()
    return {
        "trial": index, "seed": seed, "epochs": run.epoch, "state": run.state,
        "diverged_at": run.diverged_at,
        "final_val_acc": _number(h["val_acc"][-1]) if h["epoch"] else None,
        # What the homework's harness prints as "validation accuracy": the mean
        # of the per-epoch validation accuracies.
        "mean_val_acc": math.fsum(val_acc) / len(val_acc) if val_acc else None,
        "final_train_acc": _number(h["train_acc"][-1]) if h["epoch"] else None,
        "final_val_loss": _number(val_loss[-1]) if h["epoch"] else None,
        "min_val_loss": _number(best[0]) if best else None,
        "min_val_loss_epoch": best[1] - 1 if best else None,   # 0-based, first minimum
        "min_val_loss_epoch_1based": best[1] if best else None,
        "predictions": predictions,
        # how many classes it predicts for the validation points (the training
        # points without a validation set): 1 is a trial stuck at one class
        "classes_predicted": int(np.unique(judged).size),
        "history": {key: [int(v) if key == "epoch" else _number(v) for v in values]
                    for key, values in h.items()},
    }


def weights_of(run) -> list[dict]:
    """[{"W": m x n, "W0": n}] of every layer of a Run's model."""
    return [{"W": W.tolist(), "W0": W0[:, 0].tolist()} for W, W0 in layer_params(run.model)]


def score(result: dict) -> float:
    """Ranking of trials for 'best' and 'worst': final validation accuracy, or
    training accuracy without a validation set."""
    value = result["final_val_acc"] if result["final_val_acc"] is not None else result["final_train_acc"]
    return -1.0 if value is None else value


def verdicts(trials: list[dict]) -> list[str]:
    """Per trial of one architecture, in order: "stuck" when it predicts one
    class for every validation point (``classes_predicted`` 1), "poor" when its
    ``score`` is more than POOR_MARGIN below the best trial's, else "fine"."""
    if not trials:
        return []
    best = max(score(t) for t in trials)
    return ["stuck" if t.get("classes_predicted") == 1 else
            "poor" if score(t) < best - POOR_MARGIN else "fine" for t in trials]


def keep_extremes(extremes: dict, entry: dict) -> None:
    """Keep ``entry`` as "best" / "worst" if it beats the one held (first wins ties)."""
    for name, sign in (("best", 1), ("worst", -1)):
        held = extremes.get(name)
        if held is None or sign * entry["score"] > sign * held["score"]:
            extremes[name] = entry


def summarise(trials: list[dict]) -> dict:
    """Over trials: {"min", "max", "mean"} of final_val_acc, mean_val_acc,
    final_train_acc and min_val_loss_epoch (0-based; None where nothing is
    defined), and mean_curve_min_val_loss_epoch: the 0-based epoch where the
    trial-averaged validation loss is lowest (and each with ``_1based``)."""
    summary = {key: _stats([t[key] for t in trials])
               for key in ("final_val_acc", "mean_val_acc", "final_train_acc", "min_val_loss_epoch",
                           "min_val_loss_epoch_1based")}
    best = _mean_curve_argmin([t["history"]["val_loss"] for t in trials])
    summary["mean_curve_min_val_loss_epoch"] = best
    summary["mean_curve_min_val_loss_epoch_1based"] = None if best is None else best + 1
    return summary


def merge_results(parts: list[dict]) -> dict:
    """One result from the results of Experiments that ran disjoint trials of
    the same configuration (``first_trial`` 0, k, 2k, ...: e.g. parallel
    requests), as if one Experiment had run them all."""
    parts = sorted(parts, key=lambda p: p["first_trial"])
    merged = dict(parts[0])
    merged["trials"] = [t for p in parts for t in p["trials"]]
    merged["trials_requested"] = sum(p["trials_requested"] for p in parts)
    merged["done"] = all(p["done"] for p in parts)
    merged["summary"] = summarise(merged["trials"])
    extremes: dict = {}
    entries = [e for p in parts for e in p["extremes"].values()]
    for entry in sorted(entries, key=lambda e: e["trial"]):   # in trial order: first wins ties
        keep_extremes(extremes, entry)
    merged["extremes"] = extremes
    return merged


def _mean_curve_argmin(curves: list[list]) -> int | None:
    """0-based epoch where the trial-averaged validation loss is lowest."""
    if not curves or any(not c or None in c for c in curves):
        return None
    length = min(len(c) for c in curves)
    mean = np.mean([c[:length] for c in curves], axis=0)
    return int(np.argmin(mean))

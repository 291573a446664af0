"""The summary over trials, and parts run in parallel merged into the whole."""
import json

import numpy as np
import pytest

from engine.experiment.summary import POOR_MARGIN, merge_results, trial_result, verdicts
from engine.training import Run

from .trials import small

def test_summary_over_trials(data):
    exp = small(data, epochs=3, trials=4)
    exp.advance()
    r = exp.result()
    finals = [t["final_val_acc"] for t in r["trials"]]
    assert r["summary"]["final_val_acc"] == {"min": min(finals), "max": max(finals),
                                             "mean": pytest.approx(sum(finals) / 4, abs=1e-15)}
    means = [t["mean_val_acc"] for t in r["trials"]]
    assert r["summary"]["mean_val_acc"]["max"] == max(means)
    epochs = [t["min_val_loss_epoch"] for t in r["trials"]]
    assert r["summary"]["min_val_loss_epoch"]["min"] == min(epochs)
    curve = np.mean([t["history"]["val_loss"] for t in r["trials"]], axis=0)
    assert r["summary"]["mean_curve_min_val_loss_epoch"] == int(np.argmin(curve))
    assert r["summary"]["mean_curve_min_val_loss_epoch_1based"] == 1 + int(np.argmin(curve))
    best, worst = r["extremes"]["best"], r["extremes"]["worst"]
    assert finals[best["trial"]] == max(finals) and finals.index(max(finals)) == best["trial"]
    assert finals[worst["trial"]] == min(finals) and finals.index(min(finals)) == worst["trial"]
    assert [len(layer["W"]) for layer in best["weights"]] == [2, 3]
    json.dumps(r, allow_nan=False)



def test_parallel_parts_merge_into_the_whole(data):
    whole = small(data, trials=5)
    whole.advance()
    parts = [small(data, trials=2, first_trial=0), small(data, trials=3, first_trial=2)]
    for p in parts:
        p.advance()
    merged = merge_results([p.result() for p in reversed(parts)])
    expected = whole.result()
    for key in ("trials", "summary", "extremes", "trials_requested"):
        assert merged[key] == expected[key], key


def hand_set(data, W1, W01, W2, W02):
    """A 2-2-2 trial of 0 epochs with these weights, reported as the harness reports it."""
    exp = small(data, hidden=(2,), trials=1, epochs=1)
    run = Run(exp.spec, exp.X_train, exp.y_train, exp.X_val, exp.y_val, exp.config, 0)
    run.set_layer(0, np.array(W1, float), np.array(W01, float))
    run.set_layer(1, np.array(W2, float), np.array(W02, float))
    run._record_epoch()   # the harness reports a trial's last epoch
    return trial_result(0, 0, run, None)


def test_a_trial_that_predicts_one_class_is_stuck_and_one_far_below_the_best_is_poor(data):
    # both ReLUs dead on every point: the output is its bias alone, class 1 everywhere
    stuck = hand_set(data, [[0, 0], [0, 0]], [-1, -1], [[1, -1], [1, -1]], [0, 1])
    assert stuck["classes_predicted"] == 1
    # the data's own separating direction (separable: x1 + x2 > 0 is one class), through one unit each side
    X, y = data[0], data[1]
    sign = 1.0 if np.mean(y[X[0] + X[1] > 0]) > 0.5 else -1.0
    good = hand_set(data, [[sign, -sign], [sign, -sign]], [0, 0], [[-1, 1], [1, -1]], [0, 0])
    assert good["classes_predicted"] == 2 and good["final_val_acc"] > 0.8
    fine_below = dict(good, final_val_acc=good["final_val_acc"] - POOR_MARGIN)
    poor = dict(good, final_val_acc=good["final_val_acc"] - POOR_MARGIN - 0.01)
    assert verdicts([good, stuck, fine_below, poor]) == ["fine", "stuck", "fine", "poor"]
    assert verdicts([stuck]) == ["stuck"] and verdicts([]) == []

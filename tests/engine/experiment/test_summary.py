"""The summary over trials, and parts run in parallel merged into the whole."""
import json

import numpy as np
import pytest

from engine.experiment.summary import merge_results

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

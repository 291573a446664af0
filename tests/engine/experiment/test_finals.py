"""Every trial's final state: kept without the data, reopened bit for bit,
and within the size ``final_size`` promises before the trial runs."""
import json

import numpy as np
import pytest

from engine.experiment.finals import final_size, keep_final, reopen
from engine.experiment.harness import Experiment
from engine.network import layer_params
from engine.optim import OptimizerSpec
from engine.training import Run

from .trials import small


def params_of(run):
    return [(W.copy(), W0.copy()) for W, W0 in layer_params(run.model)]


def same(a, b):
    return all(np.array_equal(W1, W2) and np.array_equal(b1, b2) for (W1, b1), (W2, b2) in zip(a, b))


def test_a_reopened_trial_is_the_trial_and_continues_as_it_would_have(data):
    exp = small(data, trials=3, epochs=4)
    exp.advance()
    exp = Experiment.from_bytes(exp.to_bytes())          # as a server stores it
    for trial, seed in enumerate(exp.seeds):
        uninterrupted = Run(exp.spec, exp.X_train, exp.y_train, exp.X_val, exp.y_val, exp.config, seed)
        uninterrupted.train_steps(exp.epochs * uninterrupted.batches_per_epoch)
        opened = exp.trial_run(trial)
        assert (opened.step, opened.epoch, opened.seed) == (uninterrupted.step, 4, seed)
        assert same(params_of(opened), params_of(uninterrupted))
        assert np.array_equal(opened.X_val, exp.X_val) and np.array_equal(opened.y_train, exp.y_train)
        assert opened.history == uninterrupted.history
        # Adam's moments and step count came along: the next steps are the same
        opened.train_steps(7)
        uninterrupted.train_steps(7)
        assert same(params_of(opened), params_of(uninterrupted))


def test_only_finished_trials_of_the_part_open(data):
    exp = small(data, trials=2, first_trial=4)
    exp.advance()
    assert exp.trial_run(5).seed == exp.seeds[1]
    for trial in (3, 6):
        with pytest.raises(IndexError):
            exp.trial_run(trial)


def test_the_kept_state_leaves_the_data_out(data):
    exp = small(data, trials=1)
    exp.advance()
    kept = exp.finals[0]
    assert not {"X_train", "y_train", "X_val", "y_val"} & set(kept["arrays"])
    assert {"params", "opt_m", "opt_v", "history_val_acc"} <= set(kept["arrays"])


@pytest.mark.parametrize("hidden, optimizer, epochs", [((3,), "adam", 4), ((20, 10), "adam", 30),
                                                       ((), "sgd", 2), ((50,), "sgd", 12)])
def test_final_size_bounds_the_kept_state(data, hidden, optimizer, epochs):
    opt = OptimizerSpec.torch_adam() if optimizer == "adam" else OptimizerSpec("sgd", 0.1)
    exp = small(data, hidden=hidden, epochs=epochs, trials=1, optimizer=opt)
    exp.advance()
    size = len(json.dumps(exp.finals[0], separators=(",", ":")))
    bound = final_size(exp.spec.n_params(), optimizer, exp.X_train.shape[1], epochs)
    assert size <= bound < 2 * size + 2048


def test_reopen_refuses_damaged_state(data):
    exp = small(data, trials=1)
    exp.advance()
    kept = json.loads(json.dumps(exp.finals[0]))
    kept["arrays"]["params"]["data"] = kept["arrays"]["params"]["data"][:-8]
    with pytest.raises(ValueError):
        reopen(kept, exp.X_train, exp.y_train, exp.X_val, exp.y_val)


def test_keep_final_is_json_and_exact(data):
    exp = small(data, trials=1)
    exp.advance()
    run = exp.trial_run(0)
    again = keep_final(run)
    assert json.loads(json.dumps(again)) == exp.finals[0]

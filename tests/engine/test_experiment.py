"""The part-6 harness: what each trial reports, determinism, chunked runs
identical to uninterrupted ones, and the command line end to end."""
import json
import math
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from engine import datasets
from engine.experiment import Experiment, merge_results, prepare_data, run_experiment, trial_seeds
from engine.experiment_cli import answer, parse_hidden, resolve_data
from engine.network import NetworkSpec
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig

from .homework_files import homework_data

REPO = pathlib.Path(__file__).resolve().parents[2]
POINTS = [[-1.0, 0.0], [1.0, 0.5], [0.0, -2.0]]


@pytest.fixture(scope="module")
def data():
    return prepare_data("separable", split=0.25, seed=3, n=48)


def small(data, **kw):
    args = dict(hidden=(3,), epochs=4, trials=3, seed=5, batch_size=8, predict_points=POINTS)
    args.update(kw)
    X_tr, y_tr, X_val, y_val, k = data
    return Experiment(X_tr, y_tr, X_val, y_val, n_classes=k, **args)


# ---- data ---------------------------------------------------------------------

def test_points_are_shuffled_once_and_the_split_holds_out_the_last_share():
    X, y, X_val, y_val, k = prepare_data("separable", split=0.25, seed=3, n=48)
    rng = np.random.default_rng(3)
    X_all, y_all = datasets.generate("separable", 48, datasets.DATASETS["separable"].default_noise, rng)
    loaded = rng.permutation(48)                      # the shuffle at load
    X_all, y_all = X_all[:, loaded], y_all[loaded]
    order = rng.permutation(48)                       # the split's reshuffled index
    assert np.array_equal(X_val, X_all[:, order[36:]]) and np.array_equal(y_val, y_all[order[36:]])
    assert np.array_equal(X, X_all[:, order[:36]]) and np.array_equal(y, y_all[order[:36]])
    assert k == 2


@pytest.mark.parametrize("n, split, n_val", [(10, 0.25, 2), (10, 0.29, 2), (7, 0.5, 3), (4, 0.2, 0),
                                             (2, 0.5, 1), (48, 0.25, 12)])
def test_the_split_rounds_down_as_the_harness_does(n, split, n_val):
    X = np.vstack([np.arange(n), np.zeros(n)])
    _, y, _, y_val, _ = prepare_data((X, np.arange(n) % 2), split=split)
    assert (y.size, y_val.size) == (n - n_val, n_val)


def test_trial_seeds_are_stable():
    assert trial_seeds(0, 5)[:3] == trial_seeds(0, 3)
    assert len(set(trial_seeds(0, 20))) == 20 and trial_seeds(1, 3) != trial_seeds(0, 3)


# ---- what a trial reports -----------------------------------------------------------

def test_each_trial_is_an_independent_adam_run_as_the_harness_trains(data):
    exp = small(data)
    assert exp.advance() is True
    r = exp.result()
    assert r["init"] == "pytorch"
    X_tr, y_tr, X_val, y_val, k = data
    seeds = trial_seeds(5, 3)
    for t, trial in enumerate(r["trials"]):
        # PyTorch's initialisation, the points in one order every epoch, the
        # epoch's loss as the sum of the batch means over n
        spec = NetworkSpec(hidden=(3,), activations=("relu",), output="softmax", n_classes=2,
                           init="pytorch")
        config = TrainConfig(optimizer=OptimizerSpec(name="adam", lr=1e-3), batch_size=8,
                             reduction="mean", shuffle=False, epoch_loss="batch_means")
        run = Run(spec, X_tr, y_tr, X_val, y_val, config, seeds[t])
        run.train_epochs(4)
        h = run.history
        assert trial["seed"] == seeds[t] and trial["epochs"] == 4
        assert trial["history"] == h
        assert trial["final_val_acc"] == h["val_acc"][-1]
        assert trial["final_train_acc"] == h["train_acc"][-1]
        assert trial["mean_val_acc"] == pytest.approx(sum(h["val_acc"]) / 4, abs=1e-15)
        assert trial["min_val_loss_epoch"] == int(np.argmin(h["val_loss"]))       # 0-based
        assert trial["min_val_loss_epoch_1based"] == 1 + int(np.argmin(h["val_loss"]))
        assert trial["min_val_loss"] == min(h["val_loss"])
        probs = run.model.forward(np.array(POINTS).T)
        assert trial["predictions"] == np.argmax(probs, axis=0).tolist()


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


def test_without_a_validation_set(data):
    X_tr, y_tr, _, _, _ = data
    exp = Experiment(X_tr, y_tr, np.zeros((2, 0)), np.zeros(0), (2,), 2, trials=2, batch_size=8)
    exp.advance()
    r = exp.result()
    assert r["n_val"] == 0 and r["summary"]["final_val_acc"] is None
    assert all(t["final_val_acc"] is None and t["min_val_loss_epoch"] is None for t in r["trials"])
    assert r["extremes"]["best"]["score"] == max(t["final_train_acc"] for t in r["trials"])


# ---- determinism and chunks ----------------------------------------------------------

def test_same_seed_same_numbers_other_seed_other_numbers(data):
    a, b, c = small(data), small(data), small(data, seed=6)
    for e in (a, b, c):
        e.advance()
    assert a.result() == b.result()
    assert a.result()["trials"][0]["history"] != c.result()["trials"][0]["history"]


def test_chunked_through_json_equals_uninterrupted(data):
    whole = small(data)
    whole.advance()
    state = json.loads(json.dumps(small(data).to_dict()))
    calls = 0
    while True:
        exp = Experiment.from_dict(state)
        done = exp.advance(deadline=0.0)          # one minibatch step per call
        state = json.loads(json.dumps(exp.to_dict(), allow_nan=False))
        calls += 1
        if done:
            break
    assert calls == 3 * 4 * 5        # one per step: chunks end mid-epoch and between trials
    assert Experiment.from_dict(state).result() == whole.result()


def test_chunked_through_bytes_equals_uninterrupted(data):
    whole = small(data, epochs=3)
    whole.advance()
    state = small(data, epochs=3).to_bytes()
    while True:
        exp = Experiment.from_bytes(state)
        done = exp.advance(deadline=0.0)
        state = exp.to_bytes()
        if done:
            break
    assert Experiment.from_bytes(state).result() == whole.result()


@pytest.mark.parametrize("cut", [0, 5, 40, -10])
def test_from_bytes_refuses_damaged_state(data, cut):
    exp = small(data)
    exp.advance(deadline=0.0)
    state = exp.to_bytes()
    with pytest.raises(ValueError):
        Experiment.from_bytes(state[:cut] if cut else b"not an experiment")


def test_progress_counts_steps(data):
    exp = small(data)
    exp.advance(deadline=0.0)
    p = exp.progress()
    assert (p["trials_done"], p["steps_done"], p["steps_total"]) == (0, 1, 3 * 4 * 5)  # 36 points / 8
    exp.advance()
    assert exp.progress()["fraction"] == 1.0 and exp.done


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


@pytest.mark.parametrize("bad", [{}, {"version": 99}, {"version": 1, "hidden": [2]}, "text"])
def test_from_dict_refuses_what_it_did_not_write(bad):
    with pytest.raises(ValueError):
        Experiment.from_dict(bad)


def test_run_experiment_reports_progress():
    seen = []
    r = run_experiment("separable", (2,), 2, trials=2, seed=1, batch_size=8, n=40,
                       progress=seen.append, chunk_seconds=0.0)
    assert seen[-1]["fraction"] == 1.0 and len(seen) > 2
    assert [s["steps_done"] for s in seen] == sorted(s["steps_done"] for s in seen)
    assert len(r["trials"]) == 2 and r["n_train"] == 30 and r["n_val"] == 10


# ---- command line -----------------------------------------------------------------

@pytest.mark.parametrize("text, sizes", [("", ()), ("()", ()), ("none", ()), ("2", (2,)),
                                         ("100,10", (100, 10)), ("(100, 10)", (100, 10))])
def test_parse_hidden(text, sizes):
    assert parse_hidden(text) == sizes


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "engine.experiment", *args], capture_output=True,
                          text=True, timeout=120, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def test_command_line_end_to_end(tmp_path):
    rng = np.random.default_rng(0)
    X, y = datasets.generate("clusters", 40, 0.6, rng)
    lines = [f"{a:.18e} {b:.18e} {2 * c - 1:d}" for a, b, c in zip(X[0], X[1], y)]
    path = tmp_path / "tiny_train.csv"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.json"
    done = _cli(str(path), "--hidden", "", "3", "--epochs", "3", "--trials", "2", "--batch-size", "8",
                "--seed", "4", "--points", "[[0, 1], [1, 0]]", "--json", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "()" in done.stdout and "(3)" in done.stdout and "predictions" in done.stdout
    assert "100%" in done.stderr                        # progress went to stderr
    assert "min-val-loss epoch per trial (0-based)" in done.stdout and "pytorch init" in done.stdout
    printed = json.loads(out.read_text())[0]["results"]
    for hidden, r in zip([(), (3,)], printed):
        same = run_experiment(str(path), hidden, 3, trials=2, seed=4, batch_size=8,
                              predict_points=[[0, 1], [1, 0]])
        assert r["trials"] == same["trials"] and r["summary"] == same["summary"]
        mean = same["summary"]["final_val_acc"]["mean"]
        assert f"{mean:.4f}" in done.stdout
    assert printed[0]["n_train"] == 30 and printed[0]["n_val"] == 10


def test_the_answer_to_6_5_counts_epochs_from_0_and_says_so(data):
    exp = small(data, epochs=6, trials=2)
    exp.advance()
    r = exp.result()
    epochs = [t["min_val_loss_epoch"] for t in r["trials"]]
    counts = [e + 1 for e in epochs]
    curve = r["summary"]["mean_curve_min_val_loss_epoch"]
    assert answer("6.5", [r]) == [
        f"6.5  epoch of minimum validation loss, counted from 0 as the homework's plots: "
        f"per trial {epochs}, of the trial-averaged curve {curve} (1-based: {counts}, {curve + 1})"]


def test_command_line_names_the_bad_line(tmp_path):
    (tmp_path / "bad.csv").write_text("1 2 1\n1 x 0\n")
    done = _cli("--train", str(tmp_path / "bad.csv"), "--epochs", "1", "--quiet", cwd=tmp_path)
    assert done.returncode == 2 and "line 2" in done.stderr


def test_files_as_the_homework_names_them(tmp_path):
    homework_data(tmp_path, "2", "clusters", 40, 20)
    homework_data(tmp_path, "3class", "three_clusters", 30, None)
    data, validation, _ = resolve_data("2", None, None, tmp_path)
    assert data == str(tmp_path / "data2_train.csv") and validation == str(tmp_path / "data2_validate.csv")
    r = run_experiment(data, (), 1, trials=1, validation=validation)
    assert (r["n_train"], r["n_val"], r["n_classes"]) == (40, 20, 2)
    data, validation, _ = resolve_data("3class", None, None, tmp_path)
    assert validation is None
    r = run_experiment(data, (), 2, split=0.5, trials=1, predict_points=[[-1, -1], [1, 1]])
    assert (r["n_train"], r["n_val"], r["n_classes"]) == (15, 15, 3)
    assert len(r["trials"][0]["predictions"]) == 2


def test_command_line_looks_in_the_current_folder_and_says_where(tmp_path):
    homework_data(tmp_path, "2", "clusters", 40, 20)
    done = _cli("2", "--hidden", "", "--epochs", "1", "--trials", "1", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "data2_train.csv + data2_validate.csv: 40 training, 20 validation" in done.stdout
    assert "pytorch init" in done.stdout
    done = _cli("2", "--hidden", "", "--epochs", "1", "--trials", "1", "--quiet", "--init", "homework",
                cwd=tmp_path)
    assert done.returncode == 0 and "homework init" in done.stdout, done.stderr
    done = _cli("5", "--epochs", "1", "--quiet", cwd=tmp_path)
    assert done.returncode == 2
    assert str(tmp_path / "data5_train.csv") in done.stderr


@pytest.mark.course_data
def test_course_files_as_the_homework_names_them(course_data):
    data, validation, _ = resolve_data("2", None, None, course_data)
    assert data.endswith("data2_train.csv") and validation.endswith("data2_validate.csv")
    data, validation, _ = resolve_data("3class", None, None, course_data)
    assert validation is None
    r = run_experiment(data, (), 2, split=0.5, trials=1, predict_points=[[-1, -1], [1, 1]])
    assert (r["n_train"], r["n_val"], r["n_classes"]) == (400, 400, 3)
    assert len(r["trials"][0]["predictions"]) == 2


def test_a_diverging_trial_ends_and_the_next_one_runs(data):
    exp = small(data, trials=2, optimizer=OptimizerSpec(name="sgd", lr=1e200))
    assert exp.advance() is True
    r = exp.result()
    assert [t["state"] for t in r["trials"]] == ["diverged", "diverged"]
    assert r["trials"][0]["diverged_at"] == {"epoch": 0, "step": 0}
    assert r["trials"][0]["final_val_acc"] is None and r["summary"]["final_val_acc"] is None
    json.dumps(r, allow_nan=False)


# ---- against a PyTorch version of the course's harness ---------------------------------

def _torch_harness(torch, train_path, val_path, hidden, epochs, seed):
    """One trial of the course's run_pytorch_2d, as its utilities do it: each
    file loaded and its rows shuffled once (np.random), nn.Linear layers
    reset, Adam with PyTorch's defaults, a DataLoader of 32 without shuffle,
    the epoch's validation loss the sum of the batch means over n.  Returns
    (the printed accuracy: the mean of the per-epoch validation accuracies,
    the 0-based epoch of minimum validation loss)."""
    nn = torch.nn
    torch.set_num_threads(1)    # small products: threads only add overhead on a shared machine
    np.random.seed(seed)
    torch.manual_seed(seed)

    def loader(path):
        data = np.loadtxt(path)
        np.random.shuffle(data)
        X = torch.tensor(data[:, :2], dtype=torch.float32)
        y = torch.tensor(np.where(data[:, 2] == -1, 0, data[:, 2]), dtype=torch.long)
        # the batches a DataLoader of 32 without shuffle yields, without its per-batch overhead
        return [(X[i:i + 32], y[i:i + 32]) for i in range(0, len(y), 32)], X, y

    train, _, y_train = loader(train_path)
    val, X_val, y_val = loader(val_path)
    sizes = [2, *hidden, int(y_train.max()) + 1]
    layers = []
    for m, n in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(m, n), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    for layer in model:
        if hasattr(layer, "reset_parameters"):
            layer.reset_parameters()
    optimizer = torch.optim.Adam(model.parameters())
    criterion = nn.CrossEntropyLoss()
    val_losses, val_accs = [], []
    for _ in range(epochs):
        for xb, yb in train:
            optimizer.zero_grad()
            criterion(model(xb), yb).backward()
            optimizer.step()
        with torch.no_grad():
            val_losses.append(sum(criterion(model(xb), yb).item() for xb, yb in val) / len(y_val))
            val_accs.append((model(X_val).argmax(dim=1) == y_val).double().mean().item())
    return float(np.mean(val_accs)), int(np.argmin(val_losses))


@pytest.mark.torch
def test_the_harness_matches_pytorch_in_distribution(torch, tmp_path):
    # few points and a wide layer: the validation loss has its minimum mid-run
    # (about epoch 60 of 100, spread 23), so its epoch is a distribution to compare
    homework_data(tmp_path, "2", "clusters", 100, 100, seed=8)
    train, val = str(tmp_path / "data2_train.csv"), str(tmp_path / "data2_validate.csv")
    seeds, hidden, epochs = range(40), (50,), 100
    ours = []
    for seed in seeds:
        t = run_experiment(train, hidden, epochs, trials=1, seed=seed, validation=val)["trials"][0]
        ours.append((t["mean_val_acc"], t["min_val_loss_epoch"]))
    theirs = [_torch_harness(torch, train, val, hidden, epochs, seed) for seed in seeds]
    for name, a, b in zip(("printed accuracy", "min-val-loss epoch"), zip(*ours), zip(*theirs)):
        a, b = np.array(a, dtype=float), np.array(b, dtype=float)
        se = math.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        assert abs(a.mean() - b.mean()) <= max(0.02, 3 * se), (name, a.mean(), b.mean(), se)

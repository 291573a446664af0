"""The part-6 harness: the data it prepares, what each trial reports,
determinism, and chunked runs identical to uninterrupted ones."""
import json
import math

import numpy as np
import pytest

from engine import datasets
from engine.experiment.harness import Experiment, prepare_data, run_experiment, trial_seeds
from engine.network import NetworkSpec
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig

from ..homework_files import homework_data
from .trials import POINTS, small

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
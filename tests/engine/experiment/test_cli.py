"""The command line end to end: arguments, data files as the homework names
them, the tables and answers it prints."""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from engine import datasets
from engine.experiment.cli import answer, parse_hidden, resolve_data
from engine.experiment.harness import run_experiment

from ..homework_files import homework_data
from .trials import small

REPO = pathlib.Path(__file__).resolve().parents[3]

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

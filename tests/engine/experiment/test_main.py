"""``python -m engine.experiment`` runs the command line (and importing the
package's ``__main__`` does not)."""
import importlib
import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[3]


def test_python_dash_m_runs_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "engine.experiment", "separable", "--hidden", "", "2",
                           "--epochs", "1", "--trials", "1", "--n", "40", "--quiet"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert "data: separable" in done.stdout and "(2)" in done.stdout


def test_a_bad_argument_exits_with_the_usage():
    done = subprocess.run([sys.executable, "-m", "engine.experiment", "--epochs", "zero"],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 2 and "usage: python -m engine.experiment" in done.stderr


def test_importing_main_runs_nothing():
    assert importlib.import_module("engine.experiment.__main__").main.__module__ == "engine.experiment.cli"

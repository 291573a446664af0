"""The notebook download: valid nbformat 4.5, and run top to bottom it replays
the run -- the page's per-epoch numbers and its weights."""
import json
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from engine.export_notebook import notebook, notebook_bytes
from engine.optim import OptimizerSpec
from engine.training import TrainConfig

from ..notebook_kernel import execute, outputs, printed
from .replay_runs import CASES, gap, make_run, weights_of

def code_of(nb: dict) -> str:
    return "\n\n".join(cell["source"] for cell in nb["cells"] if cell["cell_type"] == "code")


@pytest.mark.parametrize("name", CASES)
def test_every_notebook_is_valid_nbformat(name):
    nb = nbformat.reads(notebook_bytes(make_run(name)).decode(), as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert len({cell.id for cell in nb.cells}) == len(nb.cells)


def test_the_notebook_writes_the_homework_modules_and_the_settings():
    run = make_run("default")
    code = code_of(notebook(run))
    assert "Sequential([\n        Linear(2, 4, rng), ReLU(),\n        Linear(4, 2, rng), SoftMax()], NLL())" in code
    assert "SEED = 5 " in code and "EPOCHS = 30 " in code and "EXTRA_BATCHES = 2 " in code
    assert "BATCH_SIZE = 7 " in code and "'lr': 0.03" in code
    assert "import engine" not in code and "from engine" not in code and "import torch" not in code
    # only the modules this network uses
    assert "class Tanh" not in code and "class Adam" not in code and "class BinaryNLL" not in code


def test_replaying_every_notebook_gives_the_pages_curves_and_weights():
    """All code cells of each notebook, in one fresh interpreter (matplotlib
    drawing off screen); the per-epoch history and the final weights are the
    run's, to 1e-12 (bit for bit where BLAS sums in the same order)."""
    runs = {name: make_run(name) for name in CASES}
    jobs = {name: code_of(notebook(run)) for name, run in runs.items()}
    driver = (
        "import contextlib, io, json, sys\n"
        "import matplotlib\nmatplotlib.use('Agg')\n"
        "out = {}\n"
        "for name, code in json.loads(sys.stdin.read()).items():\n"
        "    ns, printed = {}, io.StringIO()\n"
        "    with contextlib.redirect_stdout(printed):\n"
        "        exec(compile(code, name, 'exec'), ns)\n"
        "    ns['plt'].close('all')\n"
        "    out[name] = {'history': ns['history'], 'printed': printed.getvalue(),\n"
        "                 'weights': [[l.W.tolist(), l.W0.tolist()] for l in ns['net'].linears()]}\n"
        "print(json.dumps(out))\n")
    done = subprocess.run([sys.executable, "-c", driver], input=json.dumps(jobs), capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for name, run in runs.items():
        got = results[name]
        assert got["history"]["epoch"] == run.history["epoch"], name
        for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
            assert np.allclose(got["history"][key], run.history[key], rtol=0, atol=1e-12), (name, key)
        assert gap(got["weights"], weights_of(run)) <= 1e-12, name
        assert "reached the page's weights" in got["printed"], name
    assert results["default"]["weights"] == weights_of(runs["default"])      # bit for bit
    assert "bit for bit" in results["default"]["printed"]


def test_a_run_changed_midway_is_not_claimed_to_replay():
    run = make_run("default")
    run.set_config(TrainConfig(batch_size=7, optimizer=OptimizerSpec(lr=0.2)))
    run.train_epochs(3)
    ns = {}
    import matplotlib
    matplotlib.use("Agg")
    exec(compile(code_of(notebook(run)), "changed", "exec"), ns)
    ns["plt"].close("all")
    assert ns["gap"] > 1e-6 and ns["history"]["epoch"][-1] == run.epoch


@pytest.mark.slow
def test_the_notebook_runs_top_to_bottom_in_a_fresh_kernel(tmp_path, monkeypatch):
    run = make_run("adam-3-classes")
    nb = nbformat.reads(notebook_bytes(run).decode(), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json, sys\nprint(json.dumps({'python': sys.executable, "
        "'weights': [[l.W.tolist(), l.W0.tolist()] for l in net.linears()]}))"))
    execute(nb, tmp_path, monkeypatch)
    assert [o for o in outputs(nb) if o.output_type == "error"] == []
    assert any("reached the page's weights" in text for text in printed(nb))
    images = [o for o in outputs(nb) if "image/png" in o.get("data", {})]
    assert len(images) == 2                                   # the curves and the class regions
    last = json.loads(printed(nb)[-1])
    assert last["python"] == sys.executable                   # the venv's kernel, installed nowhere
    assert gap(last["weights"], weights_of(run)) <= 1e-12

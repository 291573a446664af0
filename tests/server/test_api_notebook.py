"""The run downloads: the notebook (.ipynb) and the PyTorch script replay the
session's run; the notebook, executed headless, ends at the session's weights."""
from __future__ import annotations

import json
import runpy

import nbformat
import numpy as np
import pytest

from ..notebook_kernel import execute, printed
from .apicheck import CheckedClient

SESSION = {"data": {"source": "generated", "name": "xor", "n": 120, "seed": 4},
           "network": {"hidden": [5], "activations": ["relu"]},
           "training": {"optimizer": "adam", "lr": 0.01, "batch_size": 16}, "seed": 9}


@pytest.fixture
def api(app):
    return CheckedClient(app)


@pytest.fixture
def trained(api):
    response = api.post("/api/sessions", json=SESSION)
    assert response.status_code == 201, response.json
    sid = response.json["session"]
    for amount in ({"epochs": 6}, {"steps": 2}):     # ends inside epoch 7
        assert api.post(f"/api/sessions/{sid}/advance", json=amount).status_code == 200
    return sid


def page_weights(api, sid) -> list:
    return json.loads(api.get(f"/api/sessions/{sid}/export?format=json").data)["weights"]


@pytest.mark.slow
def test_the_notebook_download_replays_the_sessions_run(api, trained, tmp_path, monkeypatch):
    response = api.get(f"/api/sessions/{trained}/export?format=ipynb")
    assert response.status_code == 200 and response.mimetype == "application/x-ipynb+json"
    assert 'filename="crease_run.ipynb"' in response.headers["Content-Disposition"]
    nb = nbformat.reads(response.data.decode(), as_version=4)
    nbformat.validate(nb)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json\nprint(json.dumps([{'W': l.W.tolist(), 'W0': l.W0[:, 0].tolist()} "
        "for l in net.linears()]))"))
    execute(nb, tmp_path, monkeypatch)
    replayed, expected = json.loads(printed(nb)[-1]), page_weights(api, trained)
    assert len(replayed) == len(expected) == 2
    for mine, page in zip(replayed, expected):
        for key in ("W", "W0"):
            assert np.abs(np.array(mine[key]) - np.array(page[key])).max() <= 1e-12
    assert any("reached the page's weights" in text for text in printed(nb))


def test_the_pytorch_download_replays_the_run_not_only_its_weights(api, trained):
    response = api.get(f"/api/sessions/{trained}/export?format=pytorch")
    assert response.status_code == 200 and response.mimetype == "text/x-python"
    text = response.data.decode()
    compile(text, "crease_run_torch.py", "exec")
    for fact in ("SEED = 9 ", "EPOCHS = 6 ", "EXTRA_BATCHES = 2 ", "BATCH_SIZE = 16 ", "'name': 'adam'",
                 "torch.optim.Adam(", "def epoch_order(rng, N):"):
        assert fact in text


@pytest.mark.torch
def test_the_pytorch_download_prints_the_sessions_curves(api, trained, tmp_path, capsys, torch):
    torch.set_num_threads(1)    # small products: threads only add overhead on a shared machine
    path = tmp_path / "crease_run_torch.py"
    path.write_bytes(api.get(f"/api/sessions/{trained}/export?format=pytorch").data)
    ns = runpy.run_path(str(path), run_name="__main__")
    session = json.loads(api.get(f"/api/sessions/{trained}/export?format=json").data)
    assert ns["history"]["epoch"] == session["history"]["epoch"] == [1, 2, 3, 4, 5, 6]
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert np.allclose(ns["history"][key], session["history"][key], rtol=0, atol=1e-9), key
    for layer, page in zip(ns["linears"], session["weights"]):
        assert np.abs(layer.weight.detach().numpy().T - np.array(page["W"])).max() <= 1e-9
        assert np.abs(layer.bias.detach().numpy() - np.array(page["W0"])).max() <= 1e-9
    assert "epoch    6  train loss" in capsys.readouterr().out

"""The PyTorch script replays the run: run in PyTorch it prints the page's
per-epoch curves and ends at the page's weights, within float rounding."""
import runpy

import numpy as np
import pytest

from engine.export import pytorch_script
from engine.network import NetworkSpec, layer_params, predict_proba
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig

from .replay_runs import CASES, X, XOR, gap, make_run, weights_of


def test_the_script_holds_the_run_exactly():
    run = make_run("default")
    run.set_layer(0, W0=[0.1 + 0.2, 0, 0, 0])     # 0.30000000000000004: every digit matters
    text = pytorch_script(run)
    compile(text, "run.py", "exec")
    assert "0.30000000000000004" in text                       # the page's weights, to check against
    assert repr(float(run.X_train[0, 0])) in text and "SEED = 5 " in text
    assert "EPOCHS = 30 " in text and "EXTRA_BATCHES = 2 " in text
    assert "torch.optim.SGD(" in text and "nn.Linear(2, 4),\n    nn.ReLU(),\n    nn.Linear(4, 2)" in text
    assert "index 0 is the homework's class 1" in text and "class 0" not in text


@pytest.mark.torch
def test_the_script_replays_every_run_in_pytorch(tmp_path, capsys, torch):
    # In this process: torch is slow to import, and other tests may have paid for it.
    torch.set_num_threads(1)    # small products: threads only add overhead on a shared machine
    for i, name in enumerate(CASES):
        run = make_run(name)
        path = tmp_path / f"replay{i}.py"
        path.write_text(pytorch_script(run))
        ns = runpy.run_path(str(path), run_name="__main__")
        history = ns["history"]
        assert history["epoch"] == run.history["epoch"], name
        for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
            assert np.allclose(history[key], run.history[key], rtol=0, atol=1e-9), (name, key)
        mine = [[layer.weight.detach().numpy().T, layer.bias.detach().numpy()[:, None]]
                for layer in ns["linears"]]
        assert gap(mine, weights_of(run)) <= 1e-9, name
        points = X[:run.spec.input_dim, :5]
        assert np.abs(ns["predict_proba"](points.T).numpy().T - predict_proba(run.model, points)).max() <= 1e-9
        printed = capsys.readouterr().out
        assert "(the run on the page" not in printed
        assert f"epoch {run.epoch:4d}  train loss" in printed or run.epoch == 0


@pytest.mark.torch
def test_the_script_follows_adam_and_float32(tmp_path, torch):
    torch.set_num_threads(1)
    config = TrainConfig(batch_size=32, dtype="float32", optimizer=OptimizerSpec.torch_adam(lr=0.01))
    run = Run(NetworkSpec(hidden=(16,), activations=("relu",), init="pytorch"),
              X[:, :70], XOR[:70], X[:, 70:], XOR[70:], config, seed=2)
    run.train_epochs(25)
    path = tmp_path / "adam32.py"
    path.write_text(pytorch_script(run))
    ns = runpy.run_path(str(path), run_name="__main__")
    assert ns["linears"][0].weight.dtype == torch.float32
    assert np.allclose(ns["history"]["train_loss"], run.history["train_loss"], rtol=1e-5, atol=0)
    mine = [[layer.weight.detach().numpy().T, layer.bias.detach().numpy()[:, None]] for layer in ns["linears"]]
    assert gap(mine, [[W, W0] for W, W0 in layer_params(run.model)]) <= 1e-5

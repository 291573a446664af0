"""The optional PyTorch parity check shared by the float64 and float32 tests."""
from __future__ import annotations

import numpy as np
import pytest

from engine.network import layer_params


def assert_adam_matches_torch(torch, run, dtype, loss_rel: float, rtol: float, atol: float) -> None:
    """Twenty full-batch Adam steps of ``run`` (one hidden layer, the whole
    training set a batch) against torch.optim.Adam on the same weights in
    ``dtype``: every step's loss, then the weights."""
    hidden = layer_params(run.model)[0][0].shape[1]
    k = run.spec.n_classes
    model = torch.nn.Sequential(torch.nn.Linear(2, hidden), torch.nn.ReLU(),
                                torch.nn.Linear(hidden, k)).to(dtype)
    layers = (model[0], model[2])
    with torch.no_grad():
        for layer, (W, W0) in zip(layers, layer_params(run.model)):
            layer.weight.copy_(torch.tensor(W.T))
            layer.bias.copy_(torch.tensor(W0.ravel()))
    opt = torch.optim.Adam(model.parameters(), lr=run.config.optimizer.lr)
    X = torch.tensor(run.X_train.T, dtype=dtype)
    y = torch.tensor(run.y_train)
    for _ in range(20):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        run.train_steps(1)
        assert run.last_step_loss == pytest.approx(loss.item(), rel=loss_rel)
    for layer, (W, W0) in zip(layers, layer_params(run.model)):
        np.testing.assert_allclose(W, layer.weight.detach().numpy().T, rtol=rtol, atol=atol)
        np.testing.assert_allclose(W0.ravel(), layer.bias.detach().numpy(), rtol=rtol, atol=atol)

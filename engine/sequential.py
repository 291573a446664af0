"""Sequential: the homework's network of modules with a loss, trained by SGD."""
from __future__ import annotations

import numpy as np

from engine.modules import Module


class Sequential:
    """``Sequential(modules, loss)``: modules applied in order, loss on the output.

    X is d x b, Y (targets in the loss's format, one-hot for NLL) is k x b.
    A SoftMax last with NLL as the loss are paired (``NLL.pair``), so the loss
    is computed from the logits with log-sum-exp.
    """

    def __init__(self, modules: list[Module], loss: Module):
        self.modules = modules
        self.loss = loss
        pair = getattr(loss, "pair", None)
        if pair is not None and modules:
            pair(modules[-1])   # NLL after a SoftMax reads its logits: the exact loss

    def sgd(self, X: np.ndarray, Y: np.ndarray, iters: int = 100, lrate: float = 0.005,
            rng: np.random.Generator | None = None) -> float:
        """The homework's SGD: ``iters`` steps on one random column each.

        Each iteration draws exactly one index: ``np.random.randint(N)`` from
        numpy's global generator, or ``rng.integers(N)`` when a Generator is
        given; nothing else draws.  X: d x N, Y: k x N.  Returns the mean loss
        of the points stepped on (0.0 for no iterations).
        """
        D, N = X.shape
        total = 0.0
        for it in range(iters):
            i = np.random.randint(N) if rng is None else rng.integers(N)
            Xt, Yt = X[:, i:i + 1], Y[:, i:i + 1]
            Ypred = self.forward(Xt)
            cur_loss = self.loss.forward(Ypred, Yt)
            total += cur_loss
            self.backward(self.loss.backward())
            self.sgd_step(lrate)
            self.print_accuracy(it, X, Y, cur_loss)
        return total / iters if iters else 0.0

    def forward(self, Xt: np.ndarray) -> np.ndarray:
        """Xt (d x b) -> Ypred (k x b); every module keeps what backward needs."""
        for m in self.modules:
            Xt = m.forward(Xt)
        return Xt

    def backward(self, delta: np.ndarray) -> np.ndarray:
        """delta = loss.backward() (k x b) -> dL/dX (d x b); fills every dLdW, dLdW0."""
        for m in self.modules[::-1]:
            delta = m.backward(delta)
        return delta

    def sgd_step(self, lrate: float) -> None:
        for m in self.modules:
            m.sgd_step(lrate)

    def print_accuracy(self, it: int, X: np.ndarray, Y: np.ndarray, cur_loss: float,
                       every: int = 250) -> None:
        """Print accuracy on all of X (d x N), Y (k x N) when it % every == 1."""
        if it % every == 1:
            cf = self.modules[-1].class_fun
            acc = np.mean(cf(self.forward(X)) == cf(Y))
            print('Iteration =', it, ' Acc =', acc, ' Loss =', cur_loss)

    def __repr__(self) -> str:
        inner = ", ".join(repr(m) for m in self.modules)
        return f"Sequential([{inner}], {self.loss!r})"

"""Optimisers over one flat parameter vector.

A training run keeps every layer's W and W0 as views of one flat vector
``params`` (P,) and has backprop write into a parallel vector ``grads`` (P,),
so each optimiser step is a handful of whole-vector operations whatever the
depth.  State is kept as arrays parallel to ``params``, as scikit-learn's
``_stochastic_optimizers`` does, in the run's dtype (float64, or float32 as
PyTorch computes by default); the hyperparameters are Python floats, which
NumPy applies in the arrays' dtype.

Both updates follow ``torch.optim`` (v2) operation for operation, including
L2 weight decay added to the gradient (``g + weight_decay * p``), so that the
homework's part 6 (PyTorch's Adam with its defaults) can be reproduced.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class OptimizerSpec:
    """Hyperparameters.  ``name`` is a key of OPTIMIZERS.

    lr 0.03 is the playground's SGD default.  The Adam defaults (lr 1e-3,
    betas 0.9 / 0.999, eps 1e-8) are torch.optim.Adam's, which the homework's
    part 6 uses; ``OptimizerSpec.torch_adam()`` gives them all.
    """
    name: str = "sgd"
    lr: float = 0.03
    momentum: float = 0.0
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    weight_decay: float = 0.0

    def __post_init__(self):
        if self.name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.name!r}; choose from {sorted(OPTIMIZERS)}")
        for field in ("lr", "momentum", "beta1", "beta2", "eps", "weight_decay"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{field} must be a finite number, got {value!r}")
            object.__setattr__(self, field, float(value))
        if self.lr <= 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        for field in ("momentum", "beta1", "beta2"):
            if not 0.0 <= getattr(self, field) < 1.0:
                raise ValueError(f"{field} must be in [0, 1), got {getattr(self, field)}")
        if self.eps <= 0:
            raise ValueError(f"eps must be > 0, got {self.eps}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}")

    @classmethod
    def torch_adam(cls, **changes) -> "OptimizerSpec":
        """Adam with torch.optim.Adam's defaults (lr 1e-3), plus any changes."""
        return replace(cls(name="adam", lr=1e-3), **changes)


class SGD:
    """SGD with momentum as torch.optim.SGD (dampening 0, not Nesterov):
    g += wd p;  buf = momentum buf + g;  p -= lr buf   (buf untouched when momentum is 0).

    ``step`` uses ``grads`` as scratch space (weight decay is added into it).
    """

    name = "sgd"
    STATE = ("buf",)   # the names of state()'s arrays

    def __init__(self, spec: OptimizerSpec, n_params: int, dtype=np.float64):
        self.spec = spec
        self.buf = np.zeros(n_params, dtype)
        self._tmp = np.empty(n_params, dtype)

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        """params, grads: (P,) of the optimiser's dtype; params updated in place."""
        spec, tmp = self.spec, self._tmp
        if spec.weight_decay:
            np.multiply(params, spec.weight_decay, out=tmp)
            grads += tmp
        if spec.momentum:
            self.buf *= spec.momentum
            self.buf += grads
            grads = self.buf
        np.multiply(grads, spec.lr, out=tmp)
        params -= tmp

    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(scalars, arrays) for a checkpoint."""
        return {}, {"buf": self.buf}

    def load_state(self, scalars: dict, arrays: dict[str, np.ndarray]) -> None:
        self.buf[...] = arrays["buf"]

    def __repr__(self) -> str:
        return f"SGD(lr={self.spec.lr}, momentum={self.spec.momentum}, weight_decay={self.spec.weight_decay})"


class Adam:
    """Adam as torch.optim.Adam (amsgrad off), step t = 1, 2, ...:
    g += wd p;  m += (1 - b1)(g - m);  v = b2 v + (1 - b2) g^2;
    p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).

    Moments m, v (P,) start at zero.  ``step`` uses ``grads`` as scratch space.
    """

    name = "adam"
    STATE = ("m", "v")

    def __init__(self, spec: OptimizerSpec, n_params: int, dtype=np.float64):
        self.spec = spec
        self.t = 0
        self.m = np.zeros(n_params, dtype)
        self.v = np.zeros(n_params, dtype)
        self._tmp = np.empty(n_params, dtype)

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        """params, grads: (P,) of the optimiser's dtype; params updated in place."""
        spec, m, v, tmp = self.spec, self.m, self.v, self._tmp
        if spec.weight_decay:
            np.multiply(params, spec.weight_decay, out=tmp)
            grads += tmp
        self.t += 1
        # m.lerp_(g, 1 - b1) as torch computes it: m + w (g - m) for w < 0.5
        np.subtract(grads, m, out=tmp)
        tmp *= 1 - spec.beta1
        m += tmp
        v *= spec.beta2
        np.multiply(grads, grads, out=tmp)
        tmp *= 1 - spec.beta2
        v += tmp
        step_size = spec.lr / (1 - spec.beta1 ** self.t)
        np.sqrt(v, out=tmp)
        tmp /= math.sqrt(1 - spec.beta2 ** self.t)
        tmp += spec.eps
        np.divide(m, tmp, out=tmp)
        tmp *= step_size
        params -= tmp

    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """(scalars, arrays) for a checkpoint."""
        return {"t": self.t}, {"m": self.m, "v": self.v}

    def load_state(self, scalars: dict, arrays: dict[str, np.ndarray]) -> None:
        self.t = int(scalars["t"])
        self.m[...] = arrays["m"]
        self.v[...] = arrays["v"]

    def __repr__(self) -> str:
        s = self.spec
        return (f"Adam(lr={s.lr}, betas=({s.beta1}, {s.beta2}), eps={s.eps}, "
                f"weight_decay={s.weight_decay}, t={self.t})")


OPTIMIZERS: dict[str, type] = {"sgd": SGD, "adam": Adam}


def make_optimizer(spec: OptimizerSpec, n_params: int, dtype=np.float64) -> SGD | Adam:
    """A fresh optimiser (zero state) for a parameter vector of n_params of ``dtype``."""
    return OPTIMIZERS[spec.name](spec, n_params, dtype)

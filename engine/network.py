"""Network architecture: a declarative spec, the output registry, and the
functions that turn a spec into a homework ``Sequential``.

Shapes: inputs X are d x b (d = spec.input_dim), labels are integer class
indices (b,), targets and probabilities are k x b for k = spec.n_classes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from engine.functions import HIDDEN_ACTIVATIONS, softmax
from engine.losses import NLL, BinaryNLL, SquaredLoss
from engine.modules import (Identity, Linear, Module, ReLU, Sigmoid, SigmoidOutput, SoftMax, Tanh,
                            homework_init, pytorch_init)
from engine.sequential import Sequential

MAX_CLASSES = 8

HIDDEN_MODULES: dict[str, type[Module]] = {
    "relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "linear": Identity,
}
assert set(HIDDEN_MODULES) == set(HIDDEN_ACTIVATIONS)

# How the initial weights are drawn: the homework's N(0, 1/m) with zero biases,
# or PyTorch's default uniform +-1/sqrt(m) for W and W0 (the course's part-6 harness).
INITS = {"homework": homework_init, "pytorch": pytorch_init}


def one_hot(labels: np.ndarray, k: int) -> np.ndarray:
    """labels (b,) ints in 0..k-1 -> k x b float64 one-hot columns."""
    return (np.arange(k)[:, None] == np.asarray(labels)[None, :]).astype(np.float64)


def _binary_targets(labels: np.ndarray, k: int) -> np.ndarray:
    """labels (b,) in {0, 1} -> 1 x b float64."""
    return np.asarray(labels, dtype=np.float64).reshape(1, -1)


def _sigmoid_proba(P: np.ndarray) -> np.ndarray:
    """p (1 x b) -> [1 - p; p] (2 x b)."""
    return np.vstack([1.0 - P, P])


def _identity(P: np.ndarray) -> np.ndarray:
    return P


class Output(NamedTuple):
    """How one kind of output layer is built, trained and read."""
    activation: str                                  # name in functions.ACTIVATIONS
    module: type[Module]                             # the output activation module
    loss: type[Module]                               # the loss it is paired with
    units: Callable[[int], int]                      # n_classes -> output units
    targets: Callable[[np.ndarray, int], np.ndarray]  # labels (b,), k -> units x b
    proba: Callable[[np.ndarray], np.ndarray]        # output (units x b) -> k x b


OUTPUTS: dict[str, Output] = {
    "softmax": Output("softmax", SoftMax, NLL, lambda k: k, one_hot, _identity),
    "sigmoid": Output("sigmoid", SigmoidOutput, BinaryNLL, lambda k: 1, _binary_targets,
                      _sigmoid_proba),
    # A linear output has no probabilities; the softmax of its outputs is a
    # confidence with the same argmax (a display aid, not a calibrated probability).
    "linear": Output("linear", Identity, SquaredLoss, lambda k: k, one_hot, softmax),
}


@dataclass(frozen=True)
class NetworkSpec:
    """A fully connected network: input_dim -> hidden... -> output units.

    ``hidden`` may be empty (a linear classifier); ``activations`` names one
    hidden activation per hidden layer; ``output`` is a key of OUTPUTS;
    ``n_classes`` is 2..8 (exactly 2 for the sigmoid output); ``init`` is a
    key of INITS, how ``build_network`` draws the initial weights.
    """
    input_dim: int = 2
    hidden: tuple[int, ...] = (4,)
    activations: tuple[str, ...] = ("relu",)
    output: str = "softmax"
    n_classes: int = 2
    init: str = "homework"

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        object.__setattr__(self, "activations", tuple(self.activations))
        if int(self.input_dim) < 1:
            raise ValueError(f"input_dim must be >= 1, got {self.input_dim}")
        if any(h < 1 for h in self.hidden):
            raise ValueError(f"hidden layer sizes must be >= 1, got {list(self.hidden)}")
        if len(self.activations) != len(self.hidden):
            raise ValueError(f"{len(self.hidden)} hidden layers need as many activations, "
                             f"got {len(self.activations)}")
        for name in self.activations:
            if name not in HIDDEN_MODULES:
                raise ValueError(f"unknown hidden activation {name!r}; "
                                 f"choose from {sorted(HIDDEN_MODULES)}")
        if self.output not in OUTPUTS:
            raise ValueError(f"unknown output {self.output!r}; choose from {sorted(OUTPUTS)}")
        if not 2 <= self.n_classes <= MAX_CLASSES:
            raise ValueError(f"n_classes must be 2..{MAX_CLASSES}, got {self.n_classes}")
        if self.output == "sigmoid" and self.n_classes != 2:
            raise ValueError("the sigmoid output needs exactly 2 classes")
        if self.init not in INITS:
            raise ValueError(f"unknown init {self.init!r}; choose from {sorted(INITS)}")

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """(input_dim, *hidden, output units)."""
        return (self.input_dim, *self.hidden, OUTPUTS[self.output].units(self.n_classes))

    @property
    def all_activations(self) -> tuple[str, ...]:
        """Hidden activation names followed by the output activation's name."""
        return (*self.activations, OUTPUTS[self.output].activation)

    def n_params(self) -> int:
        """Number of weights and biases over all Linear layers."""
        s = self.layer_sizes
        return sum(m * n + n for m, n in zip(s[:-1], s[1:]))


def build_network(spec: NetworkSpec, rng: np.random.Generator | None) -> Sequential:
    """A Sequential of Linear + activation modules for ``spec``.

    Each layer's W (m x n) and W0 (n x 1) are drawn by ``INITS[spec.init]``
    from ``rng`` in layer order (the global legacy generator when rng is
    None, as the homework): by default W ~ N(0, 1/m) and W0 = 0.
    """
    sizes = spec.layer_sizes
    modules: list[Module] = []
    for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        modules.append(Linear(m, n, rng, INITS[spec.init]))
        if i < len(spec.hidden):
            modules.append(HIDDEN_MODULES[spec.activations[i]]())
    out = OUTPUTS[spec.output]
    modules.append(out.module())
    return Sequential(modules, out.loss())


def layer_params(model: Sequential) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(W m x n, W0 n x 1)] of every Linear in order; the arrays themselves, not copies."""
    return [(m.W, m.W0) for m in model.modules if isinstance(m, Linear)]


def output_of(model: Sequential) -> Output:
    """The OUTPUTS entry of the model's last module."""
    last = type(model.modules[-1])
    for out in OUTPUTS.values():
        if out.module is last:
            return out
    raise ValueError(f"{last.__name__} is not a known output module")


def predict_proba(model: Sequential, X: np.ndarray) -> np.ndarray:
    """X (d x b) -> class probabilities (k x b); sigmoid gives [1 - p; p].

    Runs ``model.forward``, so the modules' stored intermediates are replaced.
    """
    return output_of(model).proba(model.forward(X))

"""Training runs the replay tests share (notebook, PyTorch script, server):
every output, optimizer, init, reduction, epoch loss and batch order."""
import numpy as np

from engine.network import NetworkSpec, layer_params
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig

RNG = np.random.default_rng(3)
X = RNG.normal(size=(2, 90))
XOR = (X[0] * X[1] > 0).astype(int)
THIRDS = np.digitize(np.arctan2(X[1], X[0]), [-1.0, 1.0])

# (spec, config, labels, epochs, extra steps): every output, optimizer, init,
# reduction, epoch loss and the batch-order cases (shuffled, in order, one batch)
CASES = {
    "default": (NetworkSpec(hidden=(4,), activations=("relu",)), TrainConfig(batch_size=7), XOR, 30, 2),
    "adam-3-classes": (NetworkSpec(hidden=(8, 8), activations=("relu", "tanh"), n_classes=3),
                       TrainConfig(batch_size=10, optimizer=OptimizerSpec.torch_adam(lr=0.01, weight_decay=1e-3)),
                       THIRDS, 40, 0),
    "sigmoid-momentum-full-batch": (
        NetworkSpec(hidden=(5,), activations=("sigmoid",), output="sigmoid", init="pytorch"),
        TrainConfig(batch_size=200, optimizer=OptimizerSpec(lr=0.3, momentum=0.9)), XOR, 40, 1),
    "linear-sum-batch-means": (
        NetworkSpec(hidden=(3, 6), activations=("linear", "relu"), output="linear", n_classes=3),
        TrainConfig(batch_size=1, reduction="sum", epoch_loss="batch_means",
                    optimizer=OptimizerSpec(lr=0.01)), THIRDS, 5, 3),
    "no-hidden-no-shuffle": (NetworkSpec(hidden=(), activations=()), TrainConfig(batch_size=16, shuffle=False),
                             XOR, 20, 0),
    "not-trained-yet": (NetworkSpec(hidden=(3,), activations=("tanh",)), TrainConfig(), XOR, 0, 0),
    "one-input": (NetworkSpec(input_dim=1, hidden=(6,), activations=("relu",)), TrainConfig(batch_size=5),
                  XOR, 10, 1),
}


def make_run(name):
    spec, config, labels, epochs, extra = CASES[name]
    d = spec.input_dim
    run = Run(spec, X[:d, :70], labels[:70], X[:d, 70:], labels[70:], config, seed=5)
    run.train_epochs(epochs)
    run.train_steps(extra)
    return run


def weights_of(run):
    return [[W.tolist(), W0.tolist()] for W, W0 in layer_params(run.model)]


def gap(a, b):
    return max(float(np.max(np.abs(np.array(x) - np.array(y)), initial=0.0))
               for pair_a, pair_b in zip(a, b) for x, y in zip(pair_a, pair_b))

"""A small session both the API tests and the gunicorn test drive, and the
same run built with the engine directly."""
from __future__ import annotations

import numpy as np

from engine.network import NetworkSpec
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig

POINTS = [[-1.0, -1.0, 0], [-0.8, -1.2, 0], [1.0, 1.0, 1], [1.2, 0.9, 1], [0.9, -1.1, 2],
          [1.1, -0.9, 2], [-1.1, 1.0, 0], [0.0, 1.3, 1]]
SMALL = {"data": {"source": "points", "train": POINTS, "val": [[0.1, 0.2, 1]]},
         "network": {"hidden": [4], "activations": ["tanh"]},
         "training": {"lr": 0.1, "batch_size": 3}, "seed": 7}


def in_process_run(seed=7, lr=0.1, batch=3) -> Run:
    """SMALL, built with the engine directly."""
    X = np.array([p[:2] for p in POINTS]).T
    y = np.array([p[2] for p in POINTS])
    spec = NetworkSpec(2, (4,), ("tanh",), "softmax", 3)
    return Run(spec, X, y, np.array([[0.1], [0.2]]), np.array([1]),
               TrainConfig(OptimizerSpec("sgd", lr), batch), seed)

"""The cost model against the clock: estimate and measured time of training
steps and frames for a spread of networks, grids and extras.

    python -m bench.cost

One BLAS thread, as gunicorn.conf.py sets it, and the runs' default dtype
(float64).  ``ratio`` is estimate over measured (the best of 3, in CPU time
of this process, so that other processes on a shared machine do not count):
server/cost.py's WORK_PER_MS is chosen so that it stays above 1 everywhere,
with headroom for a slower machine or one shared by a worker's threads.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time   # noqa: E402

import numpy as np   # noqa: E402

from engine.network import NetworkSpec   # noqa: E402
from engine.optim import OptimizerSpec   # noqa: E402
from engine.training import Run, TrainConfig   # noqa: E402
from server import cost, frames   # noqa: E402
from server.schemas import View   # noqa: E402

NETWORKS = [(10,), (100, 100), (256, 256, 120), (112,) * 8]
CASES = [(100, 16, ()), (200, 16, ()), (200, 64, ("thumbnails",)), (120, 16, ("curves",)),
         (200, 16, ("regions", "active", "probs"))]
POINTS = [400, 10_000]


class FakeSession:
    def __init__(self, run):
        self.run, self.extent, self.revision = run, [-3.0, 3.0, -3.0, 3.0], 1


def best(fn, repeats=3) -> float:
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append((time.process_time() - start) * 1000)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{'network':>16} {'points':>6} {'what':>34} {'estimate':>9} {'measured':>9} {'ratio':>6}")
    for hidden in NETWORKS:
        spec = NetworkSpec(2, hidden, ("relu",) * len(hidden), "softmax", 4)
        for n in POINTS:
            X, y = rng.normal(size=(2, n)), rng.integers(0, 4, n)
            config = TrainConfig(OptimizerSpec("sgd", 0.01), n, "mean", "float64")
            run = Run(spec, X, y, X[:, :0], y[:0], config, 0)
            shape = cost.Shape(spec.layer_sizes, n)
            rows = [("full-batch step", cost.step_ms(shape, n), lambda: run.train_steps(1))]
            for grid, thumb, include in CASES:
                view = View(grid=grid, thumb=thumb, include=list(include))
                rows.append((f"grid {grid} thumb {thumb} {'+'.join(include)}",
                             cost.drawing_ms(shape, grid, thumb, include),
                             lambda view=view: frames.build("x", FakeSession(run), view)))
            for what, estimate, fn in rows:
                measured = best(fn)
                print(f"{'-'.join(map(str, hidden)):>16} {n:>6} {what:>34} {estimate:9.1f} "
                      f"{measured:9.1f} {estimate / measured:6.2f}")


if __name__ == "__main__":
    main()

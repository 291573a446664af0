"""Grid-evaluation benchmark: ms per R x R evaluation (classes + confidence)
of a 2-100-10-3 ReLU/softmax network, engine.grid.evaluate_grid against a
minimal inline NumPy forward pass measured in the same run.

    OPENBLAS_NUM_THREADS=1 python -m bench.geometry

Also prints the rest of a frame's geometry for the same network: the grid
pass alone (scores only, and keeping the hidden layers), lines, the decision
boundary (from a pass, as a frame draws it, and with its own pass), the
frame's pass + classes + lines + boundary, level sets, regions and thumbnails.
Then what the creases (engine.creases: dead units, linear regions) add to a
frame, against the training one frame of play does (an epoch).
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # before NumPy loads OpenBLAS

import statistics   # noqa: E402
import time         # noqa: E402

import numpy as np  # noqa: E402

from engine import creases, geometry, grid  # noqa: E402
from engine.network import NetworkSpec, layer_params  # noqa: E402
from engine.training import Run  # noqa: E402

EXTENT = (-6.0, 6.0, -6.0, 6.0)
SIZES = (2, 100, 10, 3)
ACTIVATIONS = ["relu", "relu", "softmax"]


def network(seed=0):
    """params of a 2-100-10-3 network, W ~ N(0, 1/m), small random biases."""
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, m ** -0.5, (m, n)), rng.normal(0, 0.1, (n, 1)))
            for m, n in zip(SIZES[:-1], SIZES[1:])]


def baseline(params, resolution, dtype):
    """The plain way: build the 2 x R^2 grid, three matrix products, softmax."""
    xs, ys = grid.grid_axes(EXTENT, resolution)
    gx, gy = np.meshgrid(xs, ys)
    A = np.stack([gx.ravel(), gy.ravel()]).astype(dtype)
    for index, (W, W0) in enumerate(params):
        Z = W.astype(dtype).T @ A + W0.astype(dtype)
        A = np.maximum(Z, 0) if index < len(params) - 1 else Z
    e = np.exp(Z - Z.max(axis=0))
    P = e / e.sum(axis=0)
    return P.argmax(axis=0).astype(np.uint8).reshape(resolution, resolution), \
        P.max(axis=0).astype(np.float32).reshape(resolution, resolution)


def timings_ms(fn, repeats):
    """(median, minimum) of repeated calls, in ms.  On a shared machine the
    minimum is the figure least disturbed by other processes."""
    fn()   # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, min(times) * 1e3


def main():
    params = network()
    print(f"geometry benchmark: 2-100-10-3 relu/softmax, extent {EXTENT}, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, load {os.getloadavg()[0]:.1f}")
    print("ms per evaluation (classes + confidence), median and minimum of repeats; "
          "ratio of medians")
    print(f"{'grid':>9} {'dtype':>8} {'engine':>15} {'baseline':>15} {'ratio':>6}")
    for resolution, repeats in ((100, 200), (200, 60)):
        for dtype in (np.float32, np.float64):
            result = grid.evaluate_grid(params, ACTIVATIONS, EXTENT, resolution, dtype)
            classes, confidence = baseline(params, resolution, dtype)
            agree = np.mean(result.classes == classes)
            assert agree > 0.999 and np.allclose(result.confidence, confidence, atol=1e-3)
            engine = timings_ms(lambda: grid.evaluate_grid(
                params, ACTIVATIONS, EXTENT, resolution, dtype), repeats)
            plain = timings_ms(lambda: baseline(params, resolution, dtype), repeats)
            print(f"{resolution:>4}x{resolution:<4} {np.dtype(dtype).name:>8} "
                  f"{engine[0]:>7.2f} /{engine[1]:>6.2f} {plain[0]:>7.2f} /{plain[1]:>6.2f} "
                  f"{engine[0] / plain[0]:>6.2f}")
    print("the rest of a frame's geometry, 100x100, same network:")

    def frame():
        plane = grid.GridPass(params, ACTIVATIONS, EXTENT, 100)
        plane.classify()
        geometry.first_layer_lines(*params[0], EXTENT)
        geometry.decision_boundary_of(plane)

    plane = grid.GridPass(params, ACTIVATIONS, EXTENT, 100, keep="z")
    plane.classify()
    others = {
        "first_layer_lines": lambda: geometry.first_layer_lines(*params[0], EXTENT),
        "grid pass (scores only)": lambda: grid.GridPass(params, ACTIVATIONS, EXTENT, 100),
        "grid pass keeping hidden z": lambda: grid.GridPass(params, ACTIVATIONS, EXTENT, 100, keep="z"),
        "decision_boundary_of a pass": lambda: geometry.decision_boundary_of(plane),
        "decision_boundary, own pass": lambda: geometry.decision_boundary(
            params, ACTIVATIONS, EXTENT, 100),
        "pass + classes + lines + boundary": frame,
        "unit_level_sets_of layer 2": lambda: geometry.unit_level_sets_of(plane, 2),
        "activation_regions_of a pass": lambda: geometry.activation_regions_of(plane),
        "unit_activations 16x16": lambda: geometry.unit_activations(params, ACTIVATIONS, EXTENT, 16),
    }
    for name, fn in others.items():
        median, best = timings_ms(fn, 100)
        print(f"  {name:<34} {median:7.2f} / {best:5.2f} ms")
    creases_vs_training()


def creases_vs_training(points=300, resolution=100):
    """The creases of a frame (server.frames.creases: dead units on the
    training points, the hidden grid pass, which a frame shares with its
    drawing, and the regions counted; the tint view numbers and tints them,
    shown apart) against one epoch of training of the same 2-100-10-3 net
    (batch 10), the default frame of play."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-6, 6, (2, points))
    y = (X[0] * X[1] > 0).astype(int) + (X[0] > 2)
    run = Run(NetworkSpec(2, SIZES[1:-1], tuple(ACTIVATIONS[:-1]), "softmax", 3), X, y,
              X[:, :0], y[:0], seed=1)
    params = layer_params(run.model)

    def grid_pass():
        return [a.reshape(a.shape[0], -1)
                for a in geometry.unit_activations(params, ACTIVATIONS, EXTENT, resolution)]

    zs = grid_pass()
    parts = {
        "dead_units on the training points": lambda: creases.dead_units(params, ACTIVATIONS, X),
        "hidden grid pass (to be shared)": grid_pass,
        "count_regions (110 bits a cell)": lambda: creases.count_regions(zs),
    }
    print(f"creases of a frame, {resolution}x{resolution}, {points} training points "
          f"({creases.count_regions(zs)} regions):")
    total = 0.0
    for name, fn in parts.items():
        median, best = timings_ms(fn, 50)
        total += median
        print(f"  {name:<34} {median:7.2f} / {best:5.2f} ms")
    median, best = timings_ms(lambda: creases.linear_regions(zs), 50)
    print(f"  {'(tint view) linear_regions instead':<34} {median:7.2f} / {best:5.2f} ms")
    epoch = timings_ms(lambda: run.train_epochs(1), 20)[0]
    print(f"  one epoch of training (batch 10)   {epoch:7.2f} ms; creases / epoch = {total / epoch:.2f}"
          f" (without the shared grid pass {(total - timings_ms(grid_pass, 50)[0]) / epoch:.2f})")



if __name__ == "__main__":
    main()

"""Grid-evaluation benchmark: ms per R x R evaluation (classes + confidence)
of a 2-100-10-3 ReLU/softmax network, engine.grid.evaluate_grid against a
minimal inline NumPy forward pass measured in the same run.

    OPENBLAS_NUM_THREADS=1 python -m bench.geometry

Also prints the rest of a frame's geometry for the same network: lines, the
decision boundary (cold, and reusing evaluate_grid's scores as a frame does),
the three together, level sets, regions and thumbnails.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # before NumPy loads OpenBLAS

import statistics   # noqa: E402
import time         # noqa: E402

import numpy as np  # noqa: E402

from engine import geometry, grid  # noqa: E402

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

    def cold_boundary():
        grid.forget_scores()   # force its own forward pass
        return geometry.decision_boundary(params, ACTIVATIONS, EXTENT, 100)

    def frame():
        grid.evaluate_grid(params, ACTIVATIONS, EXTENT, 100)
        geometry.first_layer_lines(*params[0], EXTENT)
        geometry.decision_boundary(params, ACTIVATIONS, EXTENT, 100)

    grid.evaluate_grid(params, ACTIVATIONS, EXTENT, 100)
    others = {
        "first_layer_lines": lambda: geometry.first_layer_lines(*params[0], EXTENT),
        "decision_boundary, scores reused": lambda: geometry.decision_boundary(
            params, ACTIVATIONS, EXTENT, 100),
        "decision_boundary, cold": cold_boundary,
        "grid + lines + boundary": frame,
        "unit_level_sets layer 2": lambda: geometry.unit_level_sets(
            params, ACTIVATIONS, 2, EXTENT, 100),
        "activation_regions": lambda: geometry.activation_regions(params, ACTIVATIONS, EXTENT, 100),
        "unit_activations 16x16": lambda: geometry.unit_activations(params, ACTIVATIONS, EXTENT, 16),
    }
    for name, fn in others.items():
        median, best = timings_ms(fn, 100)
        print(f"  {name:<34} {median:7.2f} / {best:5.2f} ms")

if __name__ == "__main__":
    main()

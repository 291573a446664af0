"""Training-step benchmark: µs per minibatch step of engine.training.Run,
next to a minimal hand-written vectorised NumPy step measured in the same run
(and PyTorch CPU when torch is importable), for the playground's sizes.

    OPENBLAS_NUM_THREADS=1 python -m bench.engine [--quick] [--dtype float32] [--torch-dtype float32]

``--dtype`` (float64 by default) is what all three compute in: the engine's
``TrainConfig.dtype``, the NumPy baseline's arrays and PyTorch's tensors, so
each comparison is like for like.  ``--torch-dtype`` overrides PyTorch's alone
(``--torch-dtype float32`` times the engine in float64 against PyTorch's own
default).  The first line of the output names each column's dtype.

Every implementation trains a ReLU network with a softmax output and mean
cross-entropy on the same 400 points (train set = all 400, no validation set),
with a fresh permutation each epoch.  The engine's figure includes everything
a Run does per step (divergence checks, counters, the end-of-epoch history
evaluation amortised over the epoch, shown separately as "(eval)"; at batch
400, one step per epoch, the next step takes that pass as its forward pass,
so there "step ratio" undercounts the engine's step).  The NumPy
baseline is the plain way to write the same step, without that evaluation:
per-layer matrix products, softmax, the loss, backprop and one update per
array.  Figures are medians of repeated timings, interleaved so that a busy
machine slows every column alike.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # before NumPy loads OpenBLAS

import argparse     # noqa: E402
import statistics   # noqa: E402
import time         # noqa: E402

import numpy as np  # noqa: E402

from engine.allocator import keep_freed_memory  # noqa: E402
from engine.network import NetworkSpec        # noqa: E402
from engine.optim import OptimizerSpec        # noqa: E402
from engine.training import Run, TrainConfig  # noqa: E402

SIZES = [(2, 2, 2), (2, 10, 2), (2, 100, 2), (2, 100, 100, 2), (2, 100, 10, 3)]
BATCHES = [1, 10, 100, 400]
OPTIMIZERS = ["sgd", "adam"]
N_POINTS = 400
LR = {"sgd": 0.01, "adam": 0.001}


def data(k: int, seed: int = 0):
    """400 points in 2D and labels 0..k-1 by angle sector (a learnable task)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2, N_POINTS))
    labels = ((np.arctan2(X[1], X[0]) + np.pi) / (2 * np.pi) * k).astype(int) % k
    return X, labels


class EngineStep:
    dtype = "float64"   # TrainConfig.dtype

    def __init__(self, sizes, batch, opt):
        X, y = data(sizes[-1])
        hidden = sizes[1:-1]
        spec = NetworkSpec(hidden=hidden, activations=("relu",) * len(hidden), n_classes=sizes[-1])
        config = TrainConfig(OptimizerSpec(opt, lr=LR[opt]), batch_size=batch, dtype=self.dtype)
        self.run = Run(spec, X, y, np.zeros((2, 0)), np.zeros(0, int), config, seed=1)

    def __call__(self, n):
        self.run.train_steps(n)

    def eval_share_us(self, repeats: int) -> float:
        """µs per step spent on the end-of-epoch evaluation (one full pass per epoch)."""
        samples = []
        for _ in range(repeats):
            t = time.perf_counter()
            for _ in range(5):
                self.run._version += 1      # invalidate the cached metrics
                self.run.metrics()
            samples.append((time.perf_counter() - t) / 5 * 1e6)
        return statistics.median(samples) / self.run.batches_per_epoch


class NumpyStep:
    """The minimal vectorised NumPy step, written out plainly (in ``dtype``: the
    constants are Python floats, which keep float32 arrays float32)."""
    dtype = "float64"

    def __init__(self, sizes, batch, opt):
        X, y = data(sizes[-1])
        rng = np.random.default_rng(1)
        self.X, self.Y = X.astype(self.dtype), np.eye(sizes[-1], dtype=self.dtype)[:, y]
        self.params = [p.astype(self.dtype) for m, n in zip(sizes[:-1], sizes[1:])
                       for p in (rng.normal(0, m ** -0.5, (m, n)), np.zeros((n, 1)))]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0
        self.batch, self.opt, self.rng, self.pos = batch, opt, rng, N_POINTS
        self.lr = LR[opt]

    def grads(self, X, Y):
        b = X.shape[1]
        As, Zs = [X], []
        A = X
        for i in range(0, len(self.params), 2):
            Z = self.params[i].T @ A + self.params[i + 1]
            Zs.append(Z)
            A = np.maximum(Z, 0) if i + 2 < len(self.params) else Z
            As.append(A)
        e = np.exp(A - A.max(axis=0))
        P = e / e.sum(axis=0)
        self.loss = -np.sum(Y * np.log(P)) / b
        dZ = (P - Y) / b
        out = [None] * len(self.params)
        for i in range(len(self.params) - 2, -1, -2):
            out[i] = As[i // 2] @ dZ.T
            out[i + 1] = dZ.sum(axis=1, keepdims=True)
            if i:
                dZ = (self.params[i] @ dZ) * (Zs[i // 2 - 1] > 0)
        return out

    def __call__(self, n):
        for _ in range(n):
            if self.pos >= N_POINTS:
                order = self.rng.permutation(N_POINTS)
                self.Xs, self.Ys, self.pos = self.X[:, order], self.Y[:, order], 0
            s, e = self.pos, min(self.pos + self.batch, N_POINTS)
            self.pos = e
            g = self.grads(self.Xs[:, s:e], self.Ys[:, s:e])
            if self.opt == "sgd":
                for p, gp in zip(self.params, g):
                    p -= self.lr * gp
            else:
                self.t += 1
                c1, c2 = 1 - 0.9 ** self.t, 1 - 0.999 ** self.t
                for p, gp, m, v in zip(self.params, g, self.m, self.v):
                    m *= 0.9
                    m += 0.1 * gp
                    v *= 0.999
                    v += 0.001 * gp * gp
                    p -= self.lr / c1 * m / (np.sqrt(v / c2) + 1e-8)


class TorchStep:
    dtype = "float64"   # the engine's, unless --torch-dtype says otherwise

    def __init__(self, sizes, batch, opt):
        import torch
        torch.set_num_threads(1)
        torch.manual_seed(1)
        X, y = data(sizes[-1])
        self.torch = torch
        self.X = torch.tensor(X.T, dtype=getattr(torch, self.dtype))
        self.y = torch.tensor(y)
        layers = []
        for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(torch.nn.Linear(m, n))
            if i < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers).to(getattr(torch, self.dtype))
        self.loss = torch.nn.CrossEntropyLoss()
        cls = torch.optim.SGD if opt == "sgd" else torch.optim.Adam
        self.optim = cls(self.model.parameters(), lr=LR[opt])
        self.batch, self.pos = batch, N_POINTS

    def __call__(self, n):
        torch = self.torch
        for _ in range(n):
            if self.pos >= N_POINTS:
                order = torch.randperm(N_POINTS)
                self.Xs, self.ys, self.pos = self.X[order], self.y[order], 0
            s, e = self.pos, min(self.pos + self.batch, N_POINTS)
            self.pos = e
            self.optim.zero_grad()
            loss = self.loss(self.model(self.Xs[s:e]), self.ys[s:e])
            loss.backward()
            self.optim.step()


def per_step_us(impls, budget_s: float, repeats: int) -> list[float]:
    """Median µs per step of each implementation, timed in interleaved rounds."""
    for impl in impls:
        impl(3)   # warm up
    probe = []
    for impl in impls:
        t = time.perf_counter()
        impl(5)
        probe.append(max((time.perf_counter() - t) / 5, 1e-6))
    counts = [max(5, int(budget_s / p)) for p in probe]
    samples = [[] for _ in impls]
    for _ in range(repeats):
        for impl, count, sample in zip(impls, counts, samples):
            t = time.perf_counter()
            impl(count)
            sample.append((time.perf_counter() - t) / count * 1e6)
    return [statistics.median(s) for s in samples]


def checkpoint_us(repeats: int) -> dict[str, float]:
    """Median µs of the checkpoint calls for a trained 2-100-10-3 Adam run on 400 points."""
    from engine.checkpoint import run_from_bytes, run_to_bytes
    step = EngineStep((2, 100, 10, 3), 10, "adam")
    step(95)   # mid-epoch, with history and optimiser state
    raw = run_to_bytes(step.run)
    out = {"size (bytes)": float(len(raw))}
    for name, fn, arg in (("run_to_bytes", run_to_bytes, step.run), ("run_from_bytes", run_from_bytes, raw)):
        samples = []
        for _ in range(repeats):
            t = time.perf_counter()
            for _ in range(50):
                fn(arg)
            samples.append((time.perf_counter() - t) / 50 * 1e6)
        out[name + " (µs)"] = statistics.median(samples)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter repeats")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                        help="what the engine, the NumPy baseline and PyTorch compute in")
    parser.add_argument("--torch-dtype", choices=["float32", "float64"], default=None,
                        help="PyTorch's dtype alone (default: --dtype's)")
    parser.add_argument("--malloc-default", action="store_true",
                        help="leave glibc's malloc thresholds as they are (the server raises "
                             "them: engine/allocator.py)")
    args = parser.parse_args(argv)
    kept = False if args.malloc_default else keep_freed_memory()
    EngineStep.dtype = NumpyStep.dtype = args.dtype
    TorchStep.dtype = args.torch_dtype or args.dtype
    budget, repeats = (0.005, 3) if args.quick else (0.02, 7)
    try:
        import torch  # noqa: F401
        has_torch = True
    except ImportError:
        has_torch = False
    short = {"float64": "f64", "float32": "f32"}
    head = (f"{'network':<14}{'batch':>6}{'opt':>6}{'engine ' + short[EngineStep.dtype] + ' µs':>15}"
            f"{'(eval)':>8}{'numpy ' + short[NumpyStep.dtype] + ' µs':>14}{'ratio':>7}{'step ratio':>11}")
    if has_torch:
        head += f"{'torch ' + short[TorchStep.dtype] + ' µs':>14}{'torch/eng':>10}"
    dtypes = f"engine {EngineStep.dtype}, numpy {NumpyStep.dtype}"
    if has_torch:
        dtypes += f", torch {TorchStep.dtype}"
    print(f"µs per training step, median of {repeats} timings "
          f"(dtypes: {dtypes}; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}); "
          "(eval): the engine's end-of-epoch history pass, per step; ratio: engine / numpy; "
          "step ratio: the same without (eval), step against step (at batch 400 the step "
          "reuses (eval) as its forward pass); "
          f"freed memory kept for reuse (engine/allocator.py): {'yes' if kept else 'no'}")
    print(head)
    for sizes in SIZES:
        for batch in BATCHES:
            for opt in OPTIMIZERS:
                impls = [EngineStep(sizes, batch, opt), NumpyStep(sizes, batch, opt)]
                if has_torch:
                    impls.append(TorchStep(sizes, batch, opt))
                times = per_step_us(impls, budget, repeats)
                share = impls[0].eval_share_us(repeats)
                name = "-".join(map(str, sizes))
                line = (f"{name:<14}{batch:>6}{opt:>6}{times[0]:>15.1f}{share:>8.1f}{times[1]:>14.1f}"
                        f"{times[0] / times[1]:>7.2f}{(times[0] - share) / times[1]:>11.2f}")
                if has_torch:
                    line += f"{times[2]:>14.1f}{times[2] / times[0]:>10.2f}"
                print(line, flush=True)
    print(f"\ncheckpoint of a 2-100-10-3 Adam run ({EngineStep.dtype}) on 400 points, mid-epoch:")
    for name, value in checkpoint_us(repeats).items():
        print(f"  {name:<22}{value:>10.0f}")


if __name__ == "__main__":
    main()

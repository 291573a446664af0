"""Server CPU per frame, split into training / drawing / framework / store,
beside the plain-NumPy training of the same steps measured in the same run.

    python -m bench.frame_cost [--frames 200] [--memory]

The budget case of issue 16: bench.load's request (2-100-10-3 ReLU/softmax
on 400 points, batch 10, one epoch = 40 steps a frame, 100 x 100 grid,
thumbnails as the page asks for them, gzip accepted), through Flask's test
client with the rate limits on and a throwaway redis-server as the store
(``--memory``: the memory store).  CPU time of this thread (``thread_time``),
not wall time, so another process's load on the shared cores does not count:

- training: ``Run.train_epochs``;
- drawing: ``frames.build`` (the grid pass, classes, boundary, lines,
  simplification, metrics, predictions and their encoding), with the grid
  pass, the boundary and the simplification also shown apart;
- store: the store's lock, get and put, the session's bytes both ways, this
  worker's decoded-session cache, plus redis-server's own CPU (from /proc);
- framework: the rest of the request (Flask, validation, rate limiting,
  admission, JSON, gzip).

The baseline is bench.engine's plain NumPy SGD step of the same network,
batch and step count, run after each request.  The goal (issue 16, point 4)
is server CPU per frame at most 1.5 x its training CPU.  Gunicorn's HTTP
parsing (about 1 ms a frame, issue 16) is outside the test client.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # as gunicorn.conf.py sets it

import argparse      # noqa: E402
import gzip          # noqa: E402
import importlib     # noqa: E402
import json          # noqa: E402
import shutil        # noqa: E402
import statistics    # noqa: E402
import tempfile      # noqa: E402
import time          # noqa: E402
from collections import defaultdict  # noqa: E402
from contextlib import ExitStack, contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

from server import create_app            # noqa: E402

from .engine import NumpyStep            # noqa: E402
from .load import Scenario               # noqa: E402
from .procstat import TICKS, cpu_ticks   # noqa: E402

GOAL = 1.5
PARTS = ("training", "drawing", "store", "framework")
# (module, attribute, part): functions timed where the frame's code looks them
# up; the drawing's details are inside "drawing", not beside it.  Missing
# ones are skipped, so the same file measures an older checkout too.
TIMED = [("engine.training", "Run.train_epochs", "training"),
         ("server.frames", "build", "drawing"),
         ("server.frames", "GridPass", "  grid pass"),
         ("server.frames", "evaluate_grid", "  grid pass"),
         ("server.frames", "decision_boundary_of", "  boundary"),
         ("server.frames", "decision_boundary", "  boundary"),
         ("server.frames", "simplify_many", "  simplification"),
         ("server.sessions", "Session.to_bytes", "store"),
         ("server.sessions", "Session.from_bytes", "store")]


class Clock:
    """CPU milliseconds per part of the current request."""

    def __init__(self):
        self.parts: dict[str, float] = defaultdict(float)
        self.depth: dict[str, int] = defaultdict(int)

    def timed(self, fn, part: str):
        def wrapper(*args, **kwargs):
            self.depth[part] += 1           # a part that calls itself counts once
            started = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth[part] -= 1
                if not self.depth[part]:
                    self.parts[part] += (time.thread_time() - started) * 1000
        return wrapper

    def timed_lock(self, lock, part: str):
        @contextmanager
        def wrapper(*args, **kwargs):
            started = time.thread_time()
            with lock(*args, **kwargs) as held:
                self.parts[part] += (time.thread_time() - started) * 1000
                yield held
                started = time.thread_time()
            self.parts[part] += (time.thread_time() - started) * 1000
        return wrapper


def patch(stack: ExitStack, clock: Clock, app) -> None:
    """Time the parts, undone when ``stack`` closes."""
    def replace(owner, name, value):
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        setattr(owner, name, value)
        stack.callback(setattr, owner, name, original)

    for module_name, path, part in TIMED:
        owner = importlib.import_module(module_name)
        *outer, name = path.split(".")
        for attribute in outer:
            owner = getattr(owner, attribute)
        if name not in vars(owner):
            continue
        raw = vars(owner)[name]
        if isinstance(raw, classmethod):
            replace(owner, name, classmethod(clock.timed(raw.__func__, part)))
        else:
            replace(owner, name, clock.timed(raw, part))
    crease = app.extensions["crease"]
    for name in ("get", "put"):
        replace(crease.store, name, clock.timed(getattr(crease.store, name), "store"))
    replace(crease.store, "lock", clock.timed_lock(crease.store.lock, "store"))
    for name in ("take", "keep"):
        replace(crease.sessions.decoded, name, clock.timed(getattr(crease.sessions.decoded, name), "store"))


class RequestClock:
    """WSGI middleware: this thread's CPU for the whole request, body included."""

    def __init__(self, wsgi_app):
        self.wsgi_app, self.last_ms = wsgi_app, None

    def __call__(self, environ, start_response):
        started = time.thread_time()
        body = b"".join(self.wsgi_app(environ, start_response))
        self.last_ms = (time.thread_time() - started) * 1000
        return [body]


def measure(app, frames: int, redis_pid: int | None) -> dict:
    """Median CPU ms per frame of each part, of the whole request and of the baseline."""
    scenario = Scenario()
    client = app.test_client()
    created = client.post("/api/sessions", json=scenario.create_body(1))
    assert created.status_code == 201, created.json
    sid, epoch = created.json["session"], 0
    steps = 40
    baseline = NumpyStep((2, *scenario.hidden, scenario.classes), 10, "sgd")
    clock = Clock()
    rows: dict[str, list[float]] = defaultdict(list)
    with ExitStack() as stack:
        patch(stack, clock, app)
        redis_ticks = cpu_ticks(redis_pid) if redis_pid else None
        for frame in range(-10, frames):   # 10 to warm up: caches, a trained-looking boundary
            clock.parts.clear()
            response = client.post(f"/api/sessions/{sid}/advance",
                                   json={"epochs": 1, "view": scenario.view(epoch, frame)},
                                   headers={"Accept-Encoding": "gzip"})
            assert response.status_code == 200, response.data
            answer = json.loads(gzip.decompress(response.data))
            assert answer["advance"]["steps_done"] == steps
            epoch = answer["counters"]["epoch"]
            started = time.thread_time()
            baseline(steps)
            baseline_ms = (time.thread_time() - started) * 1000
            if frame < 0:
                if frame == -1 and redis_pid:
                    redis_ticks = cpu_ticks(redis_pid)
                continue
            total = app.wsgi_app.last_ms
            parts = dict(clock.parts)
            parts["framework"] = total - sum(parts.get(p, 0.0) for p in PARTS[:3])
            for name, ms in parts.items():
                rows[name].append(ms)
            rows["server"].append(total)
            rows["baseline"].append(baseline_ms)
            rows["ratio"].append(total / parts["training"])
        redis_ms = ((cpu_ticks(redis_pid) - redis_ticks) / TICKS * 1000 / frames) if redis_pid else 0.0
    out = {name: statistics.median(values) for name, values in rows.items()}
    out["redis-server"] = redis_ms
    return out


def report(m: dict, store: str, frames: int) -> None:
    load = os.getloadavg()[0]
    print(f"Server CPU per frame (bench/frame_cost.py): 2-100-10-3 ReLU/softmax, 400 points, "
          f"1 epoch = 40 steps, 100x100 grid, {store} store, rate limits on; "
          f"median of {frames} frames, load average {load:.1f}\n")
    print("| part | CPU ms per frame | share |")
    print("|---|---|---|")
    server = m["server"] + m["redis-server"]
    details = sorted(name for name in m if name.startswith("  "))
    for name in ("training", "drawing", *details, "store", "framework"):
        print(f"| {name.replace('  ', '- ')} | {m.get(name, 0.0):.2f} | {m.get(name, 0.0) / server:.0%} |")
    if m["redis-server"]:
        print(f"| redis-server (its own process) | {m['redis-server']:.2f} | {m['redis-server'] / server:.0%} |")
    print(f"| **server, all** | **{server:.2f}** | |")
    print(f"\nbaseline, same run: plain NumPy SGD, same network, batch and 40 steps: "
          f"{m['baseline']:.2f} ms; the app's training is {m['training'] / m['baseline']:.2f} x that")
    ratio = server / m["training"]
    print(f"server CPU per frame / training CPU: {ratio:.2f} (median per frame "
          f"{m['ratio']:.2f}, without redis-server); goal <= {GOAL}: "
          f"{'met' if ratio <= GOAL else 'NOT met'}; "
          f"per frame / the plain NumPy baseline: {server / m['baseline']:.2f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.frame_cost",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--memory", action="store_true", help="the memory store, not Redis")
    args = parser.parse_args(argv)
    settings = {"SECRET_KEY": "bench", "LOG_LEVEL": "WARNING", "ADVANCE_BUDGET_MS": "10000",
                # the limits stay on, two windows each as by default, high enough
                # never to refuse the bench
                "RATE_LIMIT": "100000 per second;6000000 per minute",
                "ADDRESS_RATE_LIMIT": "100000 per second;6000000 per minute"}
    binary = None if args.memory else shutil.which("redis-server")
    with tempfile.TemporaryDirectory(prefix="crease-frame-cost-") as tmp:
        redis_server = None
        try:
            if binary:
                from tests.server.servers import RedisServer
                redis_server = RedisServer(binary, Path(tmp)).start()
                settings["REDIS_URL"] = redis_server.url
            app = create_app(settings)
            app.wsgi_app = RequestClock(app.wsgi_app)
            m = measure(app, args.frames, redis_server.proc.pid if redis_server else None)
            report(m, app.extensions["crease"].store.kind, args.frames)
        finally:
            if redis_server is not None:
                redis_server.stop()


if __name__ == "__main__":
    main()

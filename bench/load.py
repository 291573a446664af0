"""Load benchmark: a lecture hall of students playing at once.

    python -m bench.load [--students 40 | 10,20,40] [--seconds 20] [--workers 2] [--threads 4]
                         [--hidden 100,10] [--dataset spiral_k] [--points 400]
                         [--amount epochs=1] [--no-thumbnails] [--no-pacing | --baseline]
                         [--sweep] [--json FILE]

Starts its own redis-server and gunicorn (the project's gunicorn.conf.py,
REDIS_URL set, W workers) on free ports of 127.0.0.1, then N students, one
thread each: a student creates a session (by default 2-100-10-3 ReLU/softmax
on 400 points of a three-class spiral) and then asks for frames back to back
the way the page's play loop does: ``POST /api/sessions/<id>/advance
{"epochs": 1, "view": {"grid": 100, "since_epoch": <last>, "include":
["regions"], "thumb": 16}}`` (and "thumbnails" every 4th frame) with gzip accepted, the next request when the
answer is in but no sooner than 1/30 s after the previous one (a page
drawing at 30 frames/s).  Like the page, a student honours the server's busy
signal (``Crease-Busy``, server/busy.py) with the page's pacing rule
(bench/pacing.py = static/js/pacing.js): busy, more epochs per frame at a
lower frame rate; calm, back.  ``--no-pacing`` ignores the signal (the page
before it had one); ``--baseline`` runs each scenario both ways, the
ignoring run first, so that both are measured in the same run.

Sessions are created at most 20 per second, below the default rate limit per
address.  After T seconds of play it reports frames and epochs per second
(in all and per student), latency percentiles, errors, and the CPU and
memory of gunicorn (master + workers), of Redis, of itself (the load
generator shares the machine) and of everything else running on the machine.
Everything it started is stopped when it ends, also on Ctrl-C or SIGTERM.

``--sweep`` repeats the run for 1, 2 and 4 workers and several numbers of
students (``--sweep-students``).  Traffic goes to 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import procstat
from .student import Student

CREATE_PER_SECOND = 20       # below the default 25 per second per address
TARGET = {"fps": 4.0, "p99_ms": 300.0}   # issue 16.5: 40 students on 2 workers
THUMB_EVERY = 4   # as static/js/session.js: a playing page's frames carry thumbnails this seldom


@dataclass
class Scenario:
    students: int = 40
    seconds: float = 20.0
    workers: int = 2
    threads: int = 4
    hidden: tuple[int, ...] = (100, 10)
    dataset: str = "spiral_k"
    classes: int = 3
    points: int = 400
    amount: dict = field(default_factory=lambda: {"epochs": 1})
    thumbnails: bool = True
    grid: int = 100
    rate_limit: str | None = None   # None: the server's default
    paced: bool = True              # honours the busy signal as the page does

    def create_body(self, seed: int) -> dict:
        return {"data": {"source": "generated", "name": self.dataset, "n": self.points,
                         "classes": self.classes, "val_share": 0.0, "seed": 1},
                "network": {"hidden": list(self.hidden), "activations": ["relu"] * len(self.hidden),
                            "output": "softmax"},
                "training": {"optimizer": "sgd", "lr": 0.03, "batch_size": 10}, "seed": seed,
                "view": self.view(0)}

    def view(self, since_epoch: int, frame: int = 0) -> dict:
        """As the page asks (static/js/contract.js viewFor): the creases
        readout (dead units, linear regions) on every frame of a network with
        hidden layers; thumbnails on every THUMB_EVERY-th frame of play
        (static/js/session.js), the frames between reuse them."""
        due = self.thumbnails and frame % THUMB_EVERY == THUMB_EVERY - 1
        include = (["regions"] if self.hidden else []) + (["thumbnails"] if due else [])
        return {"grid": self.grid, "since_epoch": since_epoch, "include": include, "thumb": 16}

    def describe(self) -> str:
        net = "-".join(str(n) for n in (2, *self.hidden, self.classes))
        extra = " + creases" if self.hidden else ""
        extra += f" + thumbnails every {THUMB_EVERY}th" if self.thumbnails else ""
        return (f"{net} ReLU/softmax on {self.points} points ({self.dataset}), batch 10, "
                f"{json.dumps(self.amount)}{extra} per frame, {self.grid}x{self.grid} grid")


# ---- one student ---------------------------------------------------------------------

@dataclass
class Result:
    scenario: Scenario
    seconds: float
    frames: int
    per_student: list[float]
    latency_ms: dict[str, float]
    errors: dict[str, int]
    usage: dict[str, procstat.Usage]
    steps: int = 0          # minibatch steps trained by the counted frames
    partial: int = 0        # frames the time budget cut short
    epochs_per_student: list[float] = field(default_factory=list)   # epochs trained per second
    busy_share: float = 0.0     # answers that said busy (Crease-Busy >= 1)
    paced_share: float = 0.0    # frames asked at a slower pace (more epochs each)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds

    @property
    def server_cpu_per_frame_ms(self) -> float:
        cpu = self.usage["gunicorn"].cpu_seconds + self.usage["redis"].cpu_seconds
        return 1000 * cpu / self.frames if self.frames else math.nan

    def target_met(self) -> bool:
        return (min(self.per_student, default=0) >= TARGET["fps"]
                and self.latency_ms.get("p99", math.inf) <= TARGET["p99_ms"]
                and not self.errors)

    def to_dict(self) -> dict:
        s = self.scenario
        return {"students": s.students, "workers": s.workers, "threads": s.threads, "paced": s.paced,
                "seconds": round(self.seconds, 2), "frames": self.frames,
                "fps": round(self.fps, 2), "steps_per_s": round(self.steps / self.seconds, 1),
                "partial_frames": self.partial,
                "fps_per_student": {"mean": round(statistics.fmean(self.per_student), 2),
                                    "min": round(min(self.per_student), 2)}
                if self.per_student else None,
                "epochs_per_s_per_student": {"mean": round(statistics.fmean(self.epochs_per_student), 2),
                                             "min": round(min(self.epochs_per_student), 2)}
                if self.epochs_per_student else None,
                "busy_share": round(self.busy_share, 3), "paced_share": round(self.paced_share, 3),
                "latency_ms": {k: round(v, 1) for k, v in self.latency_ms.items()},
                "errors": self.errors,
                "cpu_percent": {k: round(100 * u.cpu_seconds / self.seconds, 1)
                                for k, u in self.usage.items()},
                "rss_mb": {k: round(u.peak_rss / 2 ** 20, 1) for k, u in self.usage.items()
                           if k in ("gunicorn", "redis")},
                "server_cpu_ms_per_frame": round(self.server_cpu_per_frame_ms, 2),
                "target_met": self.target_met()}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear between order statistics."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(rank), math.ceil(rank)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def run_once(scenario: Scenario, redis_server, workdir: Path, log=print) -> Result:
    """Start gunicorn against ``redis_server``, play ``scenario``, stop gunicorn."""
    from tests.server.servers import Gunicorn
    env = {"REDIS_URL": redis_server.url, "WEB_CONCURRENCY": str(scenario.workers),
           "THREADS": str(scenario.threads), "SECRET_KEY": "bench-load", "LOG_LEVEL": "WARNING",
           "OPENBLAS_NUM_THREADS": "1", "STATIC_CACHE_DIR": str(workdir / "static-cache"),
           # every student comes from 127.0.0.1: the setting for a class behind one NAT
           "CLIENTS_PER_ADDRESS": str(scenario.students)}
    if scenario.rate_limit is not None:
        env["RATE_LIMIT"] = scenario.rate_limit
    gunicorn = Gunicorn(env, workdir / f"gunicorn-w{scenario.workers}.log").start(timeout=60)
    try:
        return _play(scenario, gunicorn, redis_server, log)
    finally:
        gunicorn.stop()


def _play(scenario: Scenario, gunicorn, redis_server, log) -> Result:
    play, stop_at = threading.Event(), [math.inf]
    t0 = time.perf_counter()
    students = [Student(i, gunicorn.port, scenario, t0 + i / CREATE_PER_SECOND, play, stop_at)
                for i in range(scenario.students)]
    for s in students:
        s.start()
    for s in students:
        s.created.wait(timeout=60 + scenario.students / CREATE_PER_SECOND)
    playing = [s for s in students if s.sid is not None]
    log(f"  {len(playing)}/{len(students)} sessions created in {time.perf_counter() - t0:.1f} s; "
        f"playing {scenario.seconds:.0f} s ...")
    monitor = procstat.Monitor()
    monitor.watch("gunicorn", [gunicorn.proc.pid], with_children=True)
    monitor.watch("redis", [redis_server.proc.pid])
    monitor.start()
    start = time.perf_counter()
    stop_at[0] = start + scenario.seconds
    play.set()
    for s in students:
        s.join(timeout=scenario.seconds + 45)
    end = stop_at[0]
    usage = monitor.stop()
    seconds = end - start
    counted = [[r for r in s.results if r[0] <= end] for s in playing]
    ok = [r for rs in counted for r in rs if r[2] == 200]
    errors: dict[str, int] = {}
    for s in students:
        for kind, n in s.errors.items():
            errors[kind] = errors.get(kind, 0) + n
    latencies = [r[1] * 1000 for r in ok]
    said = [r[6] for r in ok if r[6] is not None]
    return Result(scenario, seconds, len(ok),
                  [sum(r[2] == 200 for r in rs) / seconds for rs in counted],
                  {f"p{q}": percentile(latencies, q) for q in (50, 95, 99)}
                  | {"max": max(latencies, default=math.nan)},
                  errors, usage, steps=sum(r[3] for r in ok), partial=sum(r[4] for r in ok),
                  epochs_per_student=[max((r[5] for r in rs), default=0) / seconds for rs in counted],
                  busy_share=sum(x >= 1 for x in said) / len(said) if said else 0.0,
                  paced_share=sum(r[7] > 1 for r in ok) / len(ok) if ok else 0.0)


# ---- command line --------------------------------------------------------------------

def parse_amount(text: str) -> dict:
    kind, _, value = text.partition("=")
    if kind not in ("epochs", "steps") or not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("AMOUNT is epochs=N or steps=N")
    return {kind: int(value)}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=student_counts, default=[40],
                   help="students playing at once, or several runs: 10,20,40 (40)")
    p.add_argument("--seconds", type=float, default=20, help="seconds of play per run (20)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    p.add_argument("--threads", type=int, default=4, help="threads per worker (4)")
    p.add_argument("--hidden", default="100,10", help="hidden layer sizes (100,10)")
    p.add_argument("--dataset", default="spiral_k", help="a three-class dataset (spiral_k)")
    p.add_argument("--points", type=int, default=400, help="data points (400)")
    p.add_argument("--amount", type=parse_amount, default={"epochs": 1},
                   help="what one frame trains: epochs=N or steps=N (epochs=1)")
    p.add_argument("--no-thumbnails", action="store_true", help="frames without unit thumbnails")
    pace = p.add_mutually_exclusive_group()
    pace.add_argument("--no-pacing", action="store_true", help="students ignore the busy signal")
    pace.add_argument("--baseline", action="store_true",
                      help="each scenario also without pacing, first (the baseline of the same run)")
    p.add_argument("--rate-limit", default=None,
                   help="RATE_LIMIT for the server (default: the server's own)")
    p.add_argument("--sweep", action="store_true", help="workers 1, 2, 4 x --sweep-students")
    p.add_argument("--sweep-students", default="10,20,40", help="students in a sweep (10,20,40)")
    p.add_argument("--json", type=Path, help="also write the results here as JSON")
    args = p.parse_args(argv)
    if min(args.students) < 1 or args.seconds <= 0 or args.seconds > 600 or args.workers < 1:
        p.error("need --students >= 1, 0 < --seconds <= 600, --workers >= 1")
    return args


def student_counts(text: str) -> list[int]:
    try:
        counts = [int(n) for n in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("STUDENTS is a number or numbers with commas: 10,20,40") from None
    return counts


def scenarios(args) -> list[Scenario]:
    base = Scenario(students=args.students[0], seconds=args.seconds, workers=args.workers,
                    threads=args.threads, hidden=tuple(int(h) for h in args.hidden.split(",") if h),
                    dataset=args.dataset, points=args.points, amount=args.amount,
                    thumbnails=not args.no_thumbnails, rate_limit=args.rate_limit,
                    paced=not args.no_pacing)
    if args.sweep:
        runs = [(w, n) for w in (1, 2, 4) for n in student_counts(args.sweep_students)]
    else:
        runs = [(args.workers, n) for n in args.students]
    paces = (False, True) if args.baseline else (base.paced,)
    return [Scenario(**{**base.__dict__, "workers": w, "students": n, "paced": paced})
            for w, n in runs for paced in paces]


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    from tests.server.servers import RedisServer

    from .load_report import report   # it imports this module
    args = parse_args(argv)
    binary = shutil.which("redis-server")
    if binary is None:
        print("redis-server is not installed (apt-get install redis-server)", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    machine_before = procstat.machine()
    results = []
    with tempfile.TemporaryDirectory(prefix="crease-load-") as tmp:
        redis_server = RedisServer(binary, Path(tmp)).start()
        try:
            for scenario in scenarios(args):
                print(f"{scenario.workers} workers, {scenario.students} students, "
                      f"{'paced' if scenario.paced else 'not paced'}:", flush=True)
                redis_server_flush(redis_server)
                results.append(run_once(scenario, redis_server, Path(tmp),
                                        log=lambda m: print(m, flush=True)))
        except KeyboardInterrupt:
            print("interrupted: stopping what was started", file=sys.stderr)
            return 130
        finally:
            redis_server.stop()
    report(results, machine_before)
    if args.json:
        args.json.write_text(json.dumps({"machine": machine_before, "date": time.strftime("%Y-%m-%d %H:%M"),
                                         "scenario": results[0].scenario.describe(),
                                         "runs": [r.to_dict() for r in results]}, indent=1))
    return 0


def redis_server_flush(redis_server) -> None:
    import redis
    client = redis.Redis.from_url(redis_server.url)
    try:
        client.flushdb()
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())

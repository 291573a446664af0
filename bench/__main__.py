"""Every benchmark in one go (``make bench``): the tables for the README.

    python -m bench [--full] [--only engine geometry frame page_fps load] [--base REV]

Runs each benchmark in its own process, one after another, with one BLAS
thread (as gunicorn.conf.py sets it), and prints each table under a header
that names the machine (cores, CPU model, memory, load average) and the time.
Each figure comes beside a baseline measured in the same run, because these
machines are shared and their speed changes within minutes:

    engine     bench.engine --quick      µs per training step, beside plain NumPy (and PyTorch CPU)
    geometry   bench.geometry            ms per grid evaluation and the frame's other geometry
    frame      bench.frame --repeats 30  ms and bytes per frame through the app
    page_fps   bench.page_fps            the page's frames/s beside its fetch-only and draw-only
                                         ceilings, renderer CPU per frame (and REV's, with --base)
    load       bench.load --baseline     10, 20, 40 students on 2 workers + Redis: frames/s and
                                         epochs/s per student, p99, paced beside not paced

``--full`` runs the long versions (engine without --quick, 50 frame
repeats, 3 page rounds, and the load sweep over 1, 2, 4 workers).  The load
generator shares the machine with the server: see bench/load.py.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from .procstat import machine

QUICK = {
    "engine": ["--quick"],
    "geometry": [],
    "frame": ["--repeats", "30"],
    "page_fps": ["--seconds", "6", "--rounds", "2"],
    "load": ["--students", "10,20,40", "--seconds", "15", "--baseline"],
}
FULL = {
    "engine": [],
    "geometry": [],
    "frame": ["--repeats", "50"],
    "page_fps": ["--seconds", "8", "--rounds", "3"],
    "load": ["--sweep", "--seconds", "20", "--baseline"],
}
TIMEOUT_S = {"engine": 900, "geometry": 300, "frame": 300, "page_fps": 600, "load": 2400}


def plan(full: bool = False, only: list[str] | None = None, base: str | None = None) -> list[tuple[str, list[str]]]:
    """(benchmark, its arguments) in the order they run."""
    chosen = FULL if full else QUICK
    runs = [(name, list(chosen[name])) for name in (only or chosen)]
    return [(name, args + ["--base", base] if base and name == "page_fps" else args) for name, args in runs]


def revision() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run(name: str, args: list[str]) -> int:
    command = [sys.executable, "-m", f"bench.{name}", *args]
    print(f"\n## bench.{name}  ({' '.join(command[1:])})")
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}; {machine()}\n", flush=True)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    started = time.perf_counter()
    try:
        code = subprocess.run(command, env=env, timeout=TIMEOUT_S[name]).returncode
    except subprocess.TimeoutExpired:   # subprocess.run kills it; its finally blocks ran or not
        print(f"bench.{name} took longer than {TIMEOUT_S[name]} s and was stopped")
        code = 124
    print(f"\n(bench.{name}: {time.perf_counter() - started:.0f} s, exit {code})", flush=True)
    return code


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="the long versions (see above)")
    parser.add_argument("--only", nargs="+", choices=list(QUICK), help="some of the benchmarks")
    parser.add_argument("--base", metavar="REV", help="the page's figures also for this commit, interleaved")
    args = parser.parse_args(argv)
    print(f"# Crease benchmarks, {time.strftime('%Y-%m-%d %H:%M')}, commit {revision()}")
    print(f"machine: {machine()}; Python {sys.version.split()[0]}; nproc {os.cpu_count()}")
    failed = [name for name, bench_args in plan(args.full, args.only, args.base) if run(name, bench_args) != 0]
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

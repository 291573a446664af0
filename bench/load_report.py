"""bench/load.py's tables: one row per run, the capacity it implies, and each
paced run beside its not-paced baseline from the same run."""
from __future__ import annotations

import time

from .load import TARGET, Result
from .student import MAX_FPS

HEADER = ("| workers | students | paced | frames/s | per student mean (min) | epochs/s per student "
          "mean (min) | p50 ms | p95 ms | p99 ms | errors | partial | busy answers % | paced frames % "
          "| gunicorn CPU % | gunicorn MB | Redis CPU % | Redis MB | load generator CPU % "
          "| others CPU % | server CPU ms/frame |")


def row(r: Result) -> str:
    d = r.to_dict()
    cpu, rss = d["cpu_percent"], d["rss_mb"]
    others = cpu["machine"] - cpu["gunicorn"] - cpu["redis"] - cpu["loadgen"]
    per = d["fps_per_student"] or {"mean": 0, "min": 0}
    epochs = d["epochs_per_s_per_student"] or {"mean": 0, "min": 0}
    lat = d["latency_ms"]
    errors = sum(r.errors.values())
    return (f"| {r.scenario.workers} | {r.scenario.students} | {'yes' if r.scenario.paced else 'no'} | "
            f"{d['fps']:.1f} | {per['mean']:.1f} ({per['min']:.1f}) | "
            f"{epochs['mean']:.1f} ({epochs['min']:.1f}) | {lat['p50']:.0f} | {lat['p95']:.0f} | "
            f"{lat['p99']:.0f} | {errors} | {r.partial} | {100 * r.busy_share:.0f} | "
            f"{100 * r.paced_share:.0f} | {cpu['gunicorn']:.0f} | {rss['gunicorn']:.0f} | "
            f"{cpu['redis']:.0f} | {rss['redis']:.0f} | {cpu['loadgen']:.0f} | {max(others, 0):.0f} | "
            f"{d['server_cpu_ms_per_frame']:.1f} |")


def capacity(results: list[Result]) -> str:
    """Students a host serves at the target rate, from the server CPU per frame."""
    best = min((r for r in results if r.frames), key=lambda r: r.server_cpu_per_frame_ms,
               default=None)
    if best is None:
        return "no frames: no estimate"
    ms = best.server_cpu_per_frame_ms
    per_core = 1000 / ms / TARGET["fps"]
    sizes = ", ".join(f"{c} cores ~{int(c * per_core * 0.8)}" for c in (2, 4, 8, 16))
    return (f"server CPU per frame (gunicorn + Redis): {ms:.1f} ms -> one core serves about "
            f"{per_core:.0f} students at {TARGET['fps']:.0f} frames/s when fully used; at 80% "
            f"use, with the load generator elsewhere: {sizes} students")


def report(results: list[Result], machine_before: str, log=print) -> None:
    s = results[0].scenario
    log(f"\nLoad benchmark (bench/load.py), {time.strftime('%Y-%m-%d %H:%M')}")
    log(f"machine: {machine_before}")
    log(f"each student: {s.describe()}; at most {MAX_FPS} frames/s; paced: honours "
        f"Crease-Busy as the page does (bench/pacing.py)")
    log(f"gunicorn gthread, {s.threads} threads per worker, Redis store on 127.0.0.1; "
        f"the load generator runs on the same machine. CPU % is of one core; \"others\" is "
        f"every other process on the machine during the run.\n")
    log(HEADER)
    log("|" + "---|" * (HEADER.count("|") - 1))
    for r in results:
        log(row(r))
    log("")
    for r in results:
        if r.errors:
            log(f"errors with {r.scenario.workers} workers, {r.scenario.students} students: "
                f"{r.errors}")
    log(capacity(results))
    for line in beside_baseline(results):
        log(line)
    for r in results:
        verdict = "met" if r.target_met() else "NOT met"
        log(f"target ({r.scenario.students} students >= {TARGET['fps']:.0f} frames/s each, "
            f"p99 <= {TARGET['p99_ms']:.0f} ms, no errors) with {r.scenario.workers} workers, "
            f"{'paced' if r.scenario.paced else 'not paced'}: {verdict}")


def beside_baseline(results: list[Result]) -> list[str]:
    """Paced against not paced, each pair measured in the same run: the ratios."""
    unpaced = {(r.scenario.workers, r.scenario.students): r for r in results if not r.scenario.paced}
    lines = []
    for r in results:
        base = unpaced.get((r.scenario.workers, r.scenario.students))
        if not r.scenario.paced or base is None or not base.frames or not r.frames:
            continue
        b, d = base.to_dict(), r.to_dict()

        def pair(name, before, after, unit=""):
            return f"{name} {before:.1f} -> {after:.1f}{unit} (x{after / before:.2f})" if before else name

        lines.append(f"{r.scenario.workers} workers, {r.scenario.students} students, paced against "
                     f"not paced (same run): " + "; ".join([
                         pair("frames/s per student", b["fps_per_student"]["mean"], d["fps_per_student"]["mean"]),
                         pair("epochs/s per student", b["epochs_per_s_per_student"]["mean"],
                              d["epochs_per_s_per_student"]["mean"]),
                         pair("p99", b["latency_ms"]["p99"], d["latency_ms"]["p99"], " ms"),
                         pair("server CPU/frame", b["server_cpu_ms_per_frame"], d["server_cpu_ms_per_frame"], " ms")]))
    return lines

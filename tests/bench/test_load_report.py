"""bench/load_report.py: a paced run beside the not-paced one of the same run."""
from __future__ import annotations

from bench import load, load_report
from bench.procstat import Usage


def result(students: int, paced: bool, fps: float, epochs: float, p99: float, cpu_s: float) -> load.Result:
    usage = {"gunicorn": Usage(cpu_s, 200 * 2**20, 3), "redis": Usage(0.0, 15 * 2**20, 1),
             "loadgen": Usage(1.0, 0, 1), "machine": Usage(2 * cpu_s, 0, 0)}
    return load.Result(load.Scenario(students=students, seconds=10, paced=paced), 10.0,
                       int(fps * students * 10), [fps] * students,
                       {"p50": p99 / 2, "p95": p99 * 0.9, "p99": p99, "max": p99}, {}, usage,
                       epochs_per_student=[epochs] * students, busy_share=0.5, paced_share=0.25)


def test_each_paced_run_is_set_beside_its_baseline():
    runs = [result(40, False, 2.0, 2.0, 600, 16.0), result(40, True, 1.5, 2.4, 150, 9.0),
            result(10, True, 8.0, 8.0, 90, 8.0)]          # no baseline: no line
    (line,) = load_report.beside_baseline(runs)
    assert line.startswith("2 workers, 40 students, paced against not paced (same run): ")
    assert "frames/s per student 2.0 -> 1.5 (x0.75)" in line
    assert "epochs/s per student 2.0 -> 2.4 (x1.20)" in line
    assert "p99 600.0 -> 150.0 ms (x0.25)" in line
    assert "server CPU/frame 20.0 -> 15.0 ms (x0.75)" in line


def test_a_row_says_whether_the_students_were_paced():
    cells = [c.strip() for c in load_report.row(result(40, True, 1.5, 2.4, 150, 9.0)).split("|")[1:-1]]
    header = [c.strip() for c in load_report.HEADER.split("|")[1:-1]]
    assert len(cells) == len(header)
    row = dict(zip(header, cells))
    assert row["paced"] == "yes" and row["epochs/s per student mean (min)"] == "2.4 (2.4)"
    assert row["busy answers %"] == "50" and row["paced frames %"] == "25" and row["p99 ms"] == "150"

"""`make bench` (bench/__main__.py): what it runs, each figure beside a baseline of the same run."""
from __future__ import annotations

from bench import load
from bench.__main__ import FULL, QUICK, TIMEOUT_S, plan


def test_every_benchmark_runs_with_a_time_limit():
    assert list(QUICK) == list(FULL) == ["engine", "geometry", "frame", "page_fps", "load"]
    assert set(TIMEOUT_S) == set(QUICK)


def test_the_lecture_hall_runs_10_20_40_students_paced_beside_not_paced():
    (name, args), = plan(only=["load"])
    assert name == "load"
    runs = [(s.workers, s.students, s.paced) for s in load.scenarios(load.parse_args(args))]
    assert runs == [(2, n, paced) for n in (10, 20, 40) for paced in (False, True)]
    (_, full), = plan(full=True, only=["load"])
    runs = [(s.workers, s.students, s.paced) for s in load.scenarios(load.parse_args(full))]
    assert runs == [(w, n, paced) for w in (1, 2, 4) for n in (10, 20, 40) for paced in (False, True)]


def test_a_base_revision_goes_to_the_page_benchmark_only():
    runs = dict(plan(base="abc123"))
    assert runs["page_fps"][-2:] == ["--base", "abc123"]
    assert all("--base" not in args for name, args in runs.items() if name != "page_fps")
    assert "--base" not in dict(plan())["page_fps"]

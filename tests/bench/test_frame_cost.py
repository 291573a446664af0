"""The frame-cost benchmark's split: the parts it times are the parts of the
request, and a short real run prints its table and ratio."""
from __future__ import annotations

import re

from bench import frame_cost
from engine.training import Run
from server import create_app, frames

SETTINGS = {"SECRET_KEY": "t", "LOG_LEVEL": "WARNING", "ADVANCE_BUDGET_MS": "10000",
            "RATE_LIMIT": "100000 per second;6000000 per minute"}


def test_every_timed_part_is_undone_after_the_measurement():
    app = create_app(SETTINGS)
    app.wsgi_app = frame_cost.RequestClock(app.wsgi_app)
    originals = (Run.train_epochs, frames.build, frames.GridPass, app.extensions["crease"].store.get)
    m = frame_cost.measure(app, 3, None)
    assert (Run.train_epochs, frames.build, frames.GridPass,
            app.extensions["crease"].store.get) == originals
    for part in ("training", "drawing", "store", "  grid pass", "  boundary", "server", "baseline"):
        assert m[part] > 0, part
    assert m["  grid pass"] + m["  boundary"] <= m["drawing"]
    assert m["training"] + m["drawing"] + m["store"] <= m["server"]


def test_a_short_run_prints_the_split_and_the_ratio(capsys):
    frame_cost.main(["--frames", "3", "--memory"])
    out = capsys.readouterr().out
    shares = {name: float(ms) for name, ms in re.findall(r"^\| ([a-z -]+) \| ([\d.]+) \|", out, re.M)}
    assert {"training", "drawing", "store", "framework", "- grid pass"} <= set(shares)
    server = float(re.search(r"server, all\*\* \| \*\*([\d.]+)", out).group(1))
    ratio = float(re.search(r"training CPU: ([\d.]+)", out).group(1))
    assert server > shares["training"] > 0 and ratio > 1

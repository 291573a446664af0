"""The experiment runner through the API: chunked (tiny budgets, parts in any
order, parallel requests) gives exactly the numbers of one uninterrupted run
and of the command line for the same seed; cancel, results, bad input."""
from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from engine.experiment.harness import run_experiment
from engine.optim import OptimizerSpec

from .apicheck import CheckedClient

ROOT = Path(__file__).resolve().parents[2]
POINTS = [[-1, 0], [1, 1], [0, -2]]
BODY = {"data": {"source": "generated", "name": "clusters", "n": 120}, "architectures": [[], [5]],
        "epochs": 4, "trials": 3, "seed": 7, "points": POINTS}


@pytest.fixture
def api(app):
    return CheckedClient(app)


def start(api, body=BODY) -> dict:
    r = api.post("/api/experiments", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def drive(api, status: dict, order=None, budget_ms: int = 1) -> int:
    """Advance every part to the end, one chunk per request; returns the chunks used."""
    eid, chunks = status["experiment"], 0
    pending = [p["part"] for p in status["parts"]]
    while pending:
        for part in list(order(pending) if order else pending):
            r = api.post(f"/api/experiments/{eid}/advance", json={"part": part, "budget_ms": budget_ms})
            assert r.status_code == 200, r.get_json()
            chunks += 1
            if r.get_json()["done"]:
                pending.remove(part)
    return chunks


def results(api, eid: str) -> dict:
    r = api.get(f"/api/experiments/{eid}/results?grid=20")
    assert r.status_code == 200
    return r.get_json()


def comparable(result: dict) -> dict:
    """What must agree between the API and the engine: trials and their summary."""
    return {"hidden": result["hidden"], "trials": result["trials"], "summary": result["summary"],
            "n_train": result["n_train"], "n_val": result["n_val"]}


def test_parts_split_the_trials(api):
    status = start(api, {**BODY, "trials": 7, "architectures": [[2], [3, 3]]})
    parts = [(p["architecture"], p["first_trial"], p["trials"]) for p in status["parts"]]
    assert parts == [(0, 0, 2), (0, 2, 2), (0, 4, 2), (0, 6, 1), (1, 0, 2), (1, 2, 2), (1, 4, 2), (1, 6, 1)]
    assert status["progress"]["trials"] == 14 and status["progress"]["fraction"] == 0
    assert (status["n_train"], status["n_val"], status["n_classes"]) == (90, 30, 2)


class FastClock:
    """A clock the trainer reads as running 1 ms ahead per reading, so a 1 ms
    budget ends a chunk after a step or two on any machine (on a fast one a
    whole part fitted in 1 ms and came back in one chunk)."""
    def __init__(self):
        self.reads = 0

    def perf_counter(self) -> float:
        self.reads += 1
        return time.perf_counter() + self.reads / 1000


def test_chunked_equals_uninterrupted_equals_command_line(any_app, tmp_path, monkeypatch):
    import engine.experiment.harness
    import engine.training
    clock = FastClock()
    monkeypatch.setattr(engine.training, "time", clock)
    monkeypatch.setattr(engine.experiment.harness, "time", clock)
    api = CheckedClient(any_app)
    status = start(api)
    chunks = drive(api, status, order=lambda parts: reversed(parts))   # parts in any order
    assert chunks > len(status["parts"])                              # really in several chunks
    done = api.get(f"/api/experiments/{status['experiment']}").get_json()
    assert done["done"] and done["progress"]["fraction"] == 1 and done["progress"]["trials_done"] == 6
    got = results(api, status["experiment"])
    assert got["done"] and got["predict_points"] == POINTS

    for arch, hidden in enumerate(BODY["architectures"]):
        whole = run_experiment("clusters", hidden, 4, split=0.25, trials=3, seed=7, n=120,
                               optimizer=OptimizerSpec.torch_adam(), predict_points=POINTS)
        assert comparable(got["architectures"][arch]) == comparable(json.loads(json.dumps(whole)))

    out = tmp_path / "cli.json"
    subprocess.run([sys.executable, "-m", "engine.experiment", "clusters", "--hidden", "", "5",
                    "--epochs", "4", "--trials", "3", "--seed", "7", "--n", "120",
                    "--points", json.dumps(POINTS), "--json", str(out), "--quiet"],
                   cwd=ROOT, check=True, capture_output=True)
    cli = json.loads(out.read_text())[0]["results"]
    assert [comparable(a) for a in got["architectures"]] == [comparable(r) for r in cli]


def test_parallel_requests_on_different_parts(app):
    """Four threads, each driving one part through its own client (as parallel
    browser requests would): the same numbers as one part after another."""
    body = {**BODY, "architectures": [[4]], "trials": 4}
    serial = CheckedClient(app)
    first = start(serial, body)
    drive(serial, first, budget_ms=50)
    parallel = start(serial, body)

    def one_part(part):
        client = app.test_client()
        while not client.post(f"/api/experiments/{parallel['experiment']}/advance",
                              json={"part": part, "budget_ms": 2}).get_json()["done"]:
            pass
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one_part, [p["part"] for p in parallel["parts"]]))
    a, b = results(serial, first["experiment"]), results(serial, parallel["experiment"])
    assert [comparable(x) for x in a["architectures"]] == [comparable(x) for x in b["architectures"]]


def homework_file(X, y) -> str:
    """Points in the homework's file format, labels -1/+1."""
    return "\n".join(f"{a:.18e} {b:.18e} {2 * c - 1:.18e}" for a, b, c in zip(X[0], X[1], y))


def test_uploaded_files_match_the_command_line(api, tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2, 60))
    y = (X[0] + 0.3 * rng.normal(size=60) > 0).astype(int)
    train, val = homework_file(X[:, :40], y[:40]), homework_file(X[:, 40:], y[40:])
    status = start(api, {"data": {"source": "file", "text": train, "val_text": val},
                         "architectures": [[3]], "epochs": 3, "trials": 2, "seed": 1})
    assert (status["n_train"], status["n_val"]) == (40, 20)
    drive(api, status)
    got = results(api, status["experiment"])["architectures"][0]
    (tmp_path / "t.csv").write_text(train)
    (tmp_path / "v.csv").write_text(val)
    out = tmp_path / "cli.json"
    subprocess.run([sys.executable, "-m", "engine.experiment", "--train", str(tmp_path / "t.csv"),
                    "--validate", str(tmp_path / "v.csv"), "--hidden", "3", "--epochs", "3",
                    "--trials", "2", "--seed", "1", "--json", str(out), "--quiet"],
                   cwd=ROOT, check=True, capture_output=True)
    assert comparable(got) == comparable(json.loads(out.read_text())[0]["results"][0])


def test_results_carry_best_and_worst_regions_and_curves(api):
    status = start(api, {**BODY, "architectures": [[5]], "trials": 4})
    drive(api, status, budget_ms=100)
    got = results(api, status["experiment"])
    arch = got["architectures"][0]
    finals = [t["final_val_acc"] for t in arch["trials"]]
    assert arch["regions"]["best"]["score"] == max(finals)
    assert arch["regions"]["worst"]["score"] == min(finals)
    assert finals[arch["regions"]["best"]["trial"]] == max(finals)
    grid = arch["regions"]["best"]["grid"]
    planes = zlib.decompress(base64.b64decode(grid["data"]))
    assert grid["resolution"] == 20 and len(planes) == 2 * 20 * 20 and set(planes[:400]) <= {0, 1}
    for t in arch["trials"]:
        losses = t["history"]["val_loss"]
        assert len(losses) == 4 and t["min_val_loss_epoch"] == losses.index(min(losses))   # from 0
        assert t["min_val_loss_epoch_1based"] == 1 + losses.index(min(losses))
    assert arch["init"] == "pytorch"
    assert len(got["points"]["train"]) == 90 and len(got["points"]["val"]) == 30
    assert "weights" not in json.dumps(got)


def test_the_harness_initialisation_by_default_or_the_homework_one(api):
    for init in ("pytorch", "homework"):
        body = {**BODY, "architectures": [[5]], "trials": 1}
        status = start(api, body if init == "pytorch" else {**body, "init": init})
        drive(api, status)
        assert results(api, status["experiment"])["architectures"][0]["init"] == init
    r = api.post("/api/experiments", json={**BODY, "init": "xavier"})
    assert r.status_code == 400 and r.get_json()["field"] == "init", r.get_json()


def test_cancel_forgets_every_part(api, app):
    status = start(api)
    eid = status["experiment"]
    api.post(f"/api/experiments/{eid}/advance", json={"part": 0, "budget_ms": 1})
    assert api.delete(f"/api/experiments/{eid}").status_code == 204
    for path in ("", "/results"):
        assert api.get(f"/api/experiments/{eid}{path}").status_code == 404
    assert api.post(f"/api/experiments/{eid}/advance", json={"part": 0}).status_code == 404
    assert api.delete(f"/api/experiments/{eid}").status_code == 404
    store = app.extensions["crease"].store
    assert all(store.get(f"experiment:{eid}:{p['part']}") is None for p in status["parts"])


def test_bad_part_and_unknown_experiment(api):
    eid = start(api)["experiment"]
    r = api.post(f"/api/experiments/{eid}/advance", json={"part": 6})   # parts 0..5
    assert r.status_code == 400 and r.get_json()["field"] == "part"
    assert api.get("/api/experiments/" + "A" * 22).status_code == 404
    assert api.post(f"/api/experiments/{eid}/advance", json={"part": 0, "budget_ms": 501}).status_code == 400

"""Real gunicorn with three workers on a real Redis: one session driven
through 200 requests, served by whichever worker takes each, ends with
exactly the steps, epochs and weights of the same run done in-process."""
from __future__ import annotations

import base64
import json
import re
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest

from engine.network import layer_params
from engine.optim import OptimizerSpec
from engine.training import TrainConfig

from .cases import SMALL, in_process_run
from .servers import Gunicorn


def call(base: str, method: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def gunicorn(redis_server, tmp_path_factory):
    env = {"REDIS_URL": redis_server.url, "WEB_CONCURRENCY": "3", "THREADS": "2", "SECRET_KEY": "test",
           "RATE_LIMIT": "", "LOG_LEVEL": "WARNING"}
    server = Gunicorn(env, tmp_path_factory.mktemp("gunicorn") / "gunicorn.log",
                      ("--access-logformat", 'pid=%(p)s "%(r)s" %(s)s')).start()
    yield server
    server.stop()


def test_three_workers_one_session_exact_counts_and_weights(gunicorn):
    base = gunicorn.url
    sid = call(base, "POST", "/api/sessions", SMALL)["session"]
    run = in_process_run()
    plan = [{"steps": 1}, {"steps": 4}, {"epochs": 1}, {"steps": 2}, {"epochs": 2}]
    total = 0
    for i in range(199):
        if i == 120:                       # change the rate mid-run: weights are kept
            call(base, "PATCH", f"/api/sessions/{sid}/training", {"lr": 0.05, "momentum": 0.5})
            run.set_config(TrainConfig(OptimizerSpec("sgd", 0.05, momentum=0.5), 3))
            continue
        amount = plan[i % len(plan)]
        frame = call(base, "POST", f"/api/sessions/{sid}/advance", amount)
        done, partial = frame["advance"]["steps_done"], frame["advance"]["partial"]
        total += done
        if "epochs" in amount and not partial:
            assert run.train_epochs(amount["epochs"]) == done
        else:
            assert run.train_steps(done) == done
            assert partial or done == amount["steps"]
        assert frame["counters"]["step"] == run.step and frame["counters"]["epoch"] == run.epoch

    final = call(base, "GET", f"/api/sessions/{sid}")["frame"]
    assert final["counters"] == {"step": run.step, "epoch": run.epoch,
                                 "batch_in_epoch": run.batch_in_epoch, "batches_per_epoch": 3}
    assert run.step == total > 400 and run.epoch > 150   # every step counted once, none lost
    exported = call(base, "GET", f"/api/sessions/{sid}/export?format=json")
    for layer, (W, W0) in zip(exported["weights"], layer_params(run.model)):
        assert np.array_equal(np.array(layer["W"]), W)          # float64, bit for bit
        assert np.array_equal(np.array(layer["W0"]), W0[:, 0])
    framed = base64.b64decode(final["weights"][0]["W"])
    assert framed == np.ascontiguousarray(layer_params(run.model)[0][0], dtype="<f4").tobytes()
    assert exported["history"]["train_loss"] == run.history["train_loss"]

    workers = set(re.findall(r"pid=<?(\d+)>? \"POST /api/sessions/\S+/advance",
                             gunicorn.log_path.read_text()))
    assert len(workers) >= 2, "one worker served everything: the test proves nothing about sharing"


def test_unknown_session_on_gunicorn_is_a_json_404(gunicorn):
    with pytest.raises(urllib.error.HTTPError) as caught:
        call(gunicorn.url, "GET", "/api/sessions/" + "z" * 22)
    assert caught.value.code == 404
    assert json.loads(caught.value.read())["error"] == "session_not_found"


def test_concurrent_tabs_across_workers_count_every_step_once(gunicorn):
    """Three clients drive one session at once; Redis's lock serialises them
    across processes, so the run is the same as 60 steps in a row."""
    base = gunicorn.url
    sid = call(base, "POST", "/api/sessions", SMALL)["session"]
    results, errors = [], []

    def tab():
        try:
            for _ in range(10):
                results.append(call(base, "POST", f"/api/sessions/{sid}/advance", {"steps": 2}))
        except Exception as e:   # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=tab) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(f["counters"]["step"] for f in results) == list(range(2, 62, 2))
    run = in_process_run()
    run.train_steps(60)
    exported = call(base, "GET", f"/api/sessions/{sid}/export?format=json")
    assert all(np.array_equal(np.array(layer["W"]), W)
               for layer, (W, _) in zip(exported["weights"], layer_params(run.model)))

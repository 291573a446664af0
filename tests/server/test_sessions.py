"""Every session route, on the memory store and on a real Redis; every answer
is checked against the OpenAPI document (apicheck.CheckedClient)."""
from __future__ import annotations

import gzip
import json
import threading

import numpy as np
import pytest

from engine.datasets import generate, split
from engine.network import NetworkSpec, layer_params
from engine.optim import OptimizerSpec
from engine.training import HISTORY_POINTS, Run, TrainConfig

from . import framedecode as fd
from .apicheck import CheckedClient
from .cases import POINTS, SMALL, in_process_run
from .test_bad_input import assert_error


@pytest.fixture
def api(any_app):
    return CheckedClient(any_app)


def create(api, body=None) -> tuple[str, dict]:
    response = api.post("/api/sessions", json=SMALL if body is None else body)
    assert response.status_code == 201, response.json
    return response.json["session"], response.json["frame"]


def advance(api, sid, **amount) -> dict:
    response = api.post(f"/api/sessions/{sid}/advance", json=amount)
    assert response.status_code == 200, response.json
    return response.json


def test_create_answers_a_first_frame(api):
    sid, frame = create(api)
    assert len(sid) >= 22 and frame["session"] == sid
    assert frame["version"] == 1 and frame["resumed"] is False and frame["state"] == "ready"
    assert frame["counters"] == {"step": 0, "epoch": 0, "batch_in_epoch": 0, "batches_per_epoch": 3}
    classes, confidence = fd.grid_planes(frame)
    assert classes.shape == (100, 100) and classes.max() < 3
    assert confidence.min() >= 84 and (confidence % 4 == 0).all()   # >= 1/3, in steps of 4
    assert [W.shape for W, _ in fd.weights(frame)] == [(2, 4), (4, 3)]
    assert frame["layers"] == [{"units": 4, "activation": "tanh"}, {"units": 3, "activation": "softmax"}]
    assert frame["points"] == {"train": POINTS, "val": [[0.1, 0.2, 1]]}
    assert fd.predictions(frame).shape == (9,)
    assert frame["data"] == {"revision": 1}
    assert len(fd.lines(frame)) == 4


def test_create_with_defaults_only(api):
    response = api.post("/api/sessions", data=b"", content_type="application/json")
    assert response.status_code == 201
    frame = response.json["frame"]
    assert len(frame["points"]["train"]) == 300 and len(frame["points"]["val"]) == 100


def test_same_seed_same_weights_as_the_engine(api):
    _, frame = create(api)
    assert fd.same_weights(fd.weights(frame), fd.exact(layer_params(in_process_run().model)))


def test_advance_counts_exactly_and_matches_the_engine(api):
    sid, _ = create(api)
    run = in_process_run()
    for amount in ({"steps": 1}, {"steps": 5}, {"epochs": 1}, {"steps": 2}, {"epochs": 3}):
        frame = advance(api, sid, **amount)
        done = frame["advance"]["steps_done"]
        assert frame["advance"]["partial"] is False and frame["advance"]["requested"] == amount
        (run.train_steps if "steps" in amount else run.train_epochs)(next(iter(amount.values())))
        assert frame["counters"]["step"] == run.step and done > 0
    # 1 + 5 steps = 2 epochs of 3; +1 epoch; +2 steps; 3 epochs = finish the 4th, then two more
    assert frame["counters"] == {"step": 18, "epoch": 6, "batch_in_epoch": 0, "batches_per_epoch": 3}
    assert frame["counters"]["epoch"] == run.epoch and frame["state"] == "training"
    assert fd.same_weights(fd.weights(frame), fd.exact(layer_params(run.model)))
    assert frame["metrics"]["train_loss"] == pytest.approx(run.metrics()["train_loss"], rel=1e-5)


def test_history_comes_since_the_epoch_asked(api):
    sid, _ = create(api)
    advance(api, sid, epochs=4)
    full = api.post(f"/api/sessions/{sid}/advance", json={"steps": 3}).json["history"]
    assert full["epoch"] == [1, 2, 3, 4, 5] and full["from_epoch"] == 0
    later = api.post(f"/api/sessions/{sid}/advance",
                     json={"steps": 1, "view": {"since_epoch": 3}}).json["history"]
    assert later["from_epoch"] == 3 and later["epoch"] == [4, 5]
    assert later["train_loss"] == full["train_loss"][3:]


def test_advance_is_cut_by_the_time_budget(make_app):
    # a budget over one step's estimate (about 15 ms) but far below 10,000 steps' work
    api = CheckedClient(make_app(ADVANCE_BUDGET_MS=40))
    sid, _ = create(api, {"network": {"hidden": [256, 256]}, "data": {"n": 2000}})
    frame = advance(api, sid, steps=10_000)
    done = frame["advance"]["steps_done"]
    assert 1 <= done < 10_000 and frame["advance"]["partial"] is True
    assert frame["counters"]["step"] == done
    epochs = advance(api, sid, epochs=100)
    assert epochs["advance"]["partial"] is True and epochs["counters"]["epoch"] < 100


def test_get_shows_settings_and_points(api):
    sid, _ = create(api)
    advance(api, sid, steps=2)
    answer = api.get(f"/api/sessions/{sid}").json
    assert answer["session"] == sid and answer["frame"]["counters"]["step"] == 2
    assert answer["settings"]["network"] == {"hidden": [4], "activations": ["tanh"], "output": "softmax",
                                             "init": "homework"}
    assert answer["settings"]["training"]["lr"] == 0.1 and answer["settings"]["seed"] == 7
    assert answer["settings"]["data"] == {"source": "points"}
    assert answer["frame"]["points"]["train"] == POINTS


def test_delete(api):
    sid, _ = create(api)
    assert api.delete(f"/api/sessions/{sid}").status_code == 204
    assert api.get(f"/api/sessions/{sid}").status_code == 404
    assert api.delete(f"/api/sessions/{sid}").status_code == 404


def test_training_changes_keep_the_weights(api):
    sid, _ = create(api)
    before = advance(api, sid, steps=3)
    frame = api.patch(f"/api/sessions/{sid}/training", json={"lr": 0.5, "optimizer": "adam"}).json
    assert fd.same_weights(fd.weights(frame), fd.weights(before))
    assert frame["counters"] == before["counters"]
    training = api.get(f"/api/sessions/{sid}").json["settings"]["training"]
    assert (training["lr"], training["optimizer"], training["batch_size"]) == (0.5, "adam", 3)
    api.patch(f"/api/sessions/{sid}/training", json={"batch_size": 8})
    assert advance(api, sid, epochs=1)["counters"]["batches_per_epoch"] == 1


def test_network_change_reinitialises(api):
    sid, _ = create(api)
    advance(api, sid, steps=4)
    frame = api.put(f"/api/sessions/{sid}/network",
                    json={"hidden": [5, 3], "activations": ["relu", "sigmoid"]}).json
    assert frame["counters"]["step"] == 0 and frame["state"] == "ready"
    assert [layer["units"] for layer in frame["layers"]] == [5, 3, 3]
    assert frame["history"]["epoch"] == []


def test_the_initialisation_setting_draws_pytorch_defaults_and_is_kept(api):
    sid, frame = create(api, {**SMALL, "network": {**SMALL["network"], "init": "pytorch"}})
    for (W, W0), fan_in in zip(fd.weights(frame), (2, 4)):
        bound = fan_in ** -0.5
        assert np.abs(W).max() <= bound and np.abs(W0).max() <= bound and W0.any()
    assert api.get(f"/api/sessions/{sid}").json["settings"]["network"]["init"] == "pytorch"
    exported = json.loads(api.get(f"/api/sessions/{sid}/export?format=json").data)
    assert exported["network"]["init"] == "pytorch"
    imported = api.post("/api/sessions/import", json=exported).json["session"]
    assert api.get(f"/api/sessions/{imported}").json["settings"]["network"]["init"] == "pytorch"
    frame = api.put(f"/api/sessions/{sid}/network", json={"hidden": [4], "activations": ["tanh"]}).json
    assert not any(W0.any() for _, W0 in fd.weights(frame))     # the homework's, by default
    _, homework = create(api)
    assert not any(W0.any() for _, W0 in fd.weights(homework))


def test_data_change_reinitialises_and_sends_points(api):
    sid, _ = create(api)
    advance(api, sid, steps=4)
    frame = api.put(f"/api/sessions/{sid}/data",
                    json={"source": "generated", "name": "xor", "n": 50, "val_share": 0.2}).json
    assert frame["counters"]["step"] == 0 and frame["data"]["revision"] == 2
    assert len(frame["points"]["train"]) == 40 and len(frame["points"]["val"]) == 10
    assert frame["grid"]["n_classes"] == 2 and frame["layers"][-1]["units"] == 2
    rng = np.random.default_rng(1)                       # the data seed
    X_tr, y_tr, _, _ = split(*generate("xor", 50, 0.1, rng), 0.2, rng)
    assert frame["points"]["train"] == [[a, b, int(c)] for a, b, c in zip(*X_tr, y_tr)]


def test_reset_goes_back_to_the_seed(api):
    sid, first = create(api)
    advance(api, sid, epochs=2)
    again = api.post(f"/api/sessions/{sid}/reset", json={}).json
    assert again["counters"]["step"] == 0 and again["history"]["epoch"] == []
    assert fd.same_weights(fd.weights(again), fd.weights(first))
    other = api.post(f"/api/sessions/{sid}/reset", json={"seed": 8}).json
    assert not fd.same_weights(fd.weights(other), fd.weights(first))
    assert api.get(f"/api/sessions/{sid}").json["settings"]["seed"] == 8


def test_probe_and_apply(api):
    sid, before = create(api)
    probe = api.post(f"/api/sessions/{sid}/probe", json={"x": [0.5, -0.5]}).json
    assert len(probe["layers"]) == 2 and probe["layers"][0]["dLdW"] is None
    assert sum(probe["output"]["probs"]) == pytest.approx(1)
    stepped = api.post(f"/api/sessions/{sid}/probe",
                       json={"x": [0.5, -0.5], "target": 2, "lr": 0.3}).json
    assert stepped["lr"] == 0.3 and stepped["layers"][1]["dLdW0"] is not None
    assert fd.same_weights(fd.weights(api.get(f"/api/sessions/{sid}").json["frame"]),
                           fd.weights(before))      # a probe changes nothing
    frame = api.post(f"/api/sessions/{sid}/probe/apply",
                     json={"x": [0.5, -0.5], "target": 2, "lr": 0.3}).json
    after = [(np.array(layer["W_after"]), np.array(layer["W0_after"])) for layer in stepped["layers"]]
    assert fd.same_weights(fd.weights(frame), after)


def test_probe_uses_the_session_rate_when_none_is_given(api):
    sid, _ = create(api)
    assert api.post(f"/api/sessions/{sid}/probe", json={"x": [0, 0], "target": 1}).json["lr"] == 0.1


def test_export_and_import_continue_exactly(api):
    sid, _ = create(api)
    advance(api, sid, steps=7)
    exported = api.get(f"/api/sessions/{sid}/export?format=json")
    assert exported.mimetype == "application/json"
    assert "attachment" in exported.headers["Content-Disposition"]
    body = json.loads(exported.data)
    assert body["format"] == "crease-network" and body["step"] == 7
    response = api.post("/api/sessions/import", json=body)
    assert response.status_code == 201
    new_sid, frame = response.json["session"], response.json["frame"]
    assert new_sid != sid and frame["counters"]["step"] == 7 and frame["resumed"] is False
    assert frame["points"]["train"] == POINTS
    # mid-epoch, with the optimizer and the shuffle where they were: both go on identically
    original, copy = advance(api, sid, epochs=2), advance(api, new_sid, epochs=2)
    assert fd.same_weights(fd.weights(original), fd.weights(copy))
    again = json.loads(api.get(f"/api/sessions/{new_sid}/export").data)
    assert again["weights"] == json.loads(api.get(f"/api/sessions/{sid}/export").data)["weights"]
    settings = api.get(f"/api/sessions/{new_sid}").json["settings"]
    assert settings["network"]["activations"] == ["tanh"] and settings["training"]["lr"] == 0.1


def test_import_takes_edited_weights(api):
    sid, _ = create(api)
    body = json.loads(api.get(f"/api/sessions/{sid}/export").data)
    body["weights"][1]["W0"] = [0.5, -0.5, 0.25]
    frame = api.post("/api/sessions/import", json=body).json["frame"]
    assert fd.weights(frame)[1][1].tolist() == [0.5, -0.5, 0.25]


def test_a_frame_carries_a_float64_runs_weights_exactly(api):
    sid, _ = create(api)
    held = advance(api, sid, epochs=2)
    assert {layer["dtype"] for layer in held["weights"]} == {"float64"}
    server = api.get(f"/api/sessions/{sid}/export?format=json").json["weights"]
    assert fd.same_weights(fd.weights(held), [(np.array(w["W"]), np.array(w["W0"])) for w in server])
    # resumed from the frame's weights (as JSON numbers), nothing is rounded
    weights = [{"W": W.tolist(), "W0": W0.tolist()} for W, W0 in fd.weights(held)]
    new_sid, _ = create(api, {**SMALL, "resume": {"weights": weights, "step": held["counters"]["step"],
                                                  "epoch": 2}})
    assert api.get(f"/api/sessions/{new_sid}/export?format=json").json["weights"] == server


def test_divergence_is_a_state_not_an_error(api):
    sid, _ = create(api, {**SMALL, "training": {"lr": 10, "batch_size": 1}})
    W = [[1000.0] * 4, [-1000.0] * 4]
    api.put(f"/api/sessions/{sid}/weights", json={"layer": 0, "W": W})
    api.put(f"/api/sessions/{sid}/weights", json={"layer": 1, "W": [[1e5, -1e5, 0]] * 4})
    frame = advance(api, sid, epochs=50)
    assert frame["state"] == "diverged" and frame["diverged_at"] is not None
    assert frame["advance"]["partial"] is False
    assert all(np.isfinite(W).all() for W, _ in fd.weights(frame))
    calm = api.patch(f"/api/sessions/{sid}/training", json={"lr": 0.001}).json
    assert calm["state"] != "diverged"


def test_two_tabs_on_one_session_count_every_step_once(api):
    sid, _ = create(api)
    done = []

    def play():
        client = api.app.test_client()
        for _ in range(15):
            response = client.post(f"/api/sessions/{sid}/advance", json={"steps": 2})
            assert response.status_code == 200
            done.append(response.json["advance"]["steps_done"])

    threads = [threading.Thread(target=play) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert done == [2] * 45
    assert api.get(f"/api/sessions/{sid}").json["frame"]["counters"]["step"] == 90


def test_a_busy_session_answers_409(make_app):
    app = make_app(SESSION_LOCK_WAIT_MS=50)
    api = CheckedClient(app)
    sid, _ = create(api)
    with app.extensions["crease"].store.lock(sid):
        response = api.post(f"/api/sessions/{sid}/advance", json={"steps": 1})
    assert response.status_code == 409 and response.json["error"] == "session_busy"
    assert advance(api, sid, steps=1)["counters"]["step"] == 1     # nothing was applied before


def test_frames_are_gzipped_for_clients_that_accept_it(api):
    sid, _ = create(api)
    response = api.post(f"/api/sessions/{sid}/advance", json={"steps": 1},
                        headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.data))["counters"]["step"] == 1
    plain = api.post(f"/api/sessions/{sid}/advance", json={"steps": 1})
    assert "Content-Encoding" not in plain.headers and plain.json["counters"]["step"] == 2
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert plain.headers["Server-Timing"].startswith("app;dur=")


def test_an_unreadable_session_is_treated_as_gone(api):
    sid, _ = create(api)
    api.app.extensions["crease"].store.put(sid, b"CRS1\x05\x00\x00\x00{}}}}garbage")
    response = api.get(f"/api/sessions/{sid}")
    assert response.status_code == 404 and response.json["error"] == "session_not_found"


def test_frame_route_draws_another_view_without_training(api):
    sid, _ = create(api, {**SMALL, "network": {"hidden": [4, 3], "activations": ["relu", "relu"]}})
    before = advance(api, sid, steps=2)
    response = api.post(f"/api/sessions/{sid}/frame",
                        json={"view": {"include": ["curves"], "curve_layers": [2]}})
    assert response.status_code == 200, response.json
    frame = response.json
    assert frame["counters"] == before["counters"] and frame["advance"] is None
    assert set(frame["curves"]) == {"2"} and len(frame["curves"]["2"]) == 3
    assert [W.tolist() for W, _ in fd.weights(frame)] == [W.tolist() for W, _ in fd.weights(before)]


def test_frame_route_of_an_unknown_session_is_404(api):
    response = api.post("/api/sessions/" + "x" * 22 + "/frame", json={})
    assert response.status_code == 404 and response.json["error"] == "session_not_found"


def test_answers_are_compact_json_in_insertion_order_with_numpy_numbers(app):
    """The JSON provider (orjson): the same bytes the standard library writes
    compactly, NumPy numbers as numbers, never the invalid NaN token."""
    with app.app_context():
        obj = {"b": 1, "a": [0.1, 1e-7, 2.5e20], "s": "é<", 3: True,
               "np": [np.float32(0.5), np.int64(7), np.array([1.5, 2.0])], "nan": float("nan")}
        text = app.json.dumps(obj)
        assert text == ('{"b":1,"a":[0.1,1e-7,2.5e+20],"s":"é<","3":true,'
                        '"np":[0.5,7,[1.5,2.0]],"nan":null}')
        frame_like = {"x": [1.25, -3.0, 0.333333], "w": "QUJD", "k": {"z": None}}
        assert app.json.dumps(frame_like) == json.dumps(frame_like, separators=(",", ":"))
        response = app.json.response({"ok": 1})
        assert response.mimetype == "application/json" and response.data == b'{"ok":1}\n'


LONG = {"data": {"source": "points", "train": [[-1.0, 0.5, 0], [1.0, -0.5, 1]], "val": [[0.9, 0.1, 0]]},
        "network": {"hidden": []}, "training": {"lr": 0.5, "batch_size": 2}, "seed": 1}


def test_a_long_runs_history_and_answers_stay_bounded(api):
    """One step an epoch: 4 x 2,500 epochs.  The lowest validation loss is at
    epoch 1, which only survives the thinning as the minimum."""
    sid, _ = create(api, LONG)
    sizes = []
    for _ in range(4):
        assert advance(api, sid, steps=2500)["advance"]["steps_done"] == 2500
        sizes.append((len(api.get(f"/api/sessions/{sid}").data),
                      len(api.get(f"/api/sessions/{sid}/export").data)))
    history = api.get(f"/api/sessions/{sid}").json["frame"]["history"]
    assert 1000 < len(history["epoch"]) <= HISTORY_POINTS and history["epoch"][-1] == 10_000
    # a kept epoch costs at most ~100 bytes in a GET and twice that in an export
    assert all(get < 100 * HISTORY_POINTS + 20_000 and export < 200 * HISTORY_POINTS + 20_000
               for get, export in sizes), sizes
    reference = Run(NetworkSpec(2, (), (), "softmax", 2), np.array([[-1.0, 1.0], [0.5, -0.5]]),
                    np.array([0, 1]), np.array([[0.9], [0.1]]), np.array([0]),
                    TrainConfig(OptimizerSpec("sgd", 0.5), 2), seed=1)
    val_loss = {}
    for _ in range(10_000):
        reference.train_epochs(1)
        val_loss[reference.epoch] = reference.history["val_loss"][-1]
    best = min(val_loss, key=val_loss.get)
    assert best == 1
    exported = json.loads(api.get(f"/api/sessions/{sid}/export").data)["history"]
    assert exported["epoch"].index(best) == int(np.argmin(exported["val_loss"]))
    assert min(exported["val_loss"]) == val_loss[best]                      # exact
    assert history["val_loss"][history["epoch"].index(best)] == pytest.approx(val_loss[best], rel=1e-6)


@pytest.mark.parametrize("method, suffix, body", [
    ("GET", "", None), ("DELETE", "", None), ("POST", "/advance", {"steps": 1}),
    ("PATCH", "/training", {}), ("PUT", "/network", {}), ("PUT", "/data", {}),
    ("POST", "/reset", {}), ("PUT", "/weights", {"layer": 0, "kind": "W0", "j": 0, "value": 1}),
    ("POST", "/probe", {"x": [0, 0]}), ("POST", "/probe/apply", {"x": [0, 0], "target": 0}),
    ("POST", "/points", {}), ("GET", "/export", None),
])
def test_unknown_session_is_404_on_every_route(api, method, suffix, body):
    response = api.open(method, f"/api/sessions/{'x' * 22}{suffix}", json=body)
    assert_error(response, 404, "session_not_found")

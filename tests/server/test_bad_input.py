"""Bad input, parametrised: every one is a 4xx in the one error shape, names
the field where there is one, and never reaches the catch-all (conftest)."""
from __future__ import annotations

import json

import pytest

from .apicheck import CheckedClient

SHAPE = {"error", "message", "field"}
HUGE_NET = {"hidden": [256, 256, 256]}            # 132,866 parameters > 100,000


@pytest.fixture
def api(app):
    return CheckedClient(app)


@pytest.fixture
def sid(api):
    response = api.post("/api/sessions", json={"data": {"n": 40}, "network": {"hidden": [3, 2]}})
    assert response.status_code == 201
    return response.json["session"]


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.json
    assert set(response.json) == SHAPE
    assert response.json["error"] == code, response.json
    assert response.json["field"] == field, response.json
    assert response.json["message"] and "Traceback" not in response.json["message"]


@pytest.mark.parametrize("raw", [
    b"{", b"{'seed': 1}", b'{"seed": 1}}', b'{"seed": 1,}', b"\xff\xfe\x00", b"nul",
    b"[" * 5000, b'{"seed": 01}',
])
def test_malformed_json(api, raw):
    response = api.post("/api/sessions", data=raw, content_type="application/json")
    assert_error(response, 400, "invalid_json")
    assert response.json["message"].startswith("The body is not valid JSON")


@pytest.mark.parametrize("raw", [b"[]", b"5", b'"text"', b"null", b"true"])
def test_body_that_is_not_an_object(api, raw):
    assert_error(api.post("/api/sessions", data=raw, content_type="application/json"),
                 400, "wrong_type")


@pytest.mark.parametrize("body, field", [
    ({"seed": "1"}, "seed"), ({"seed": 1.5}, "seed"), ({"seed": True}, "seed"),
    ({"network": {"hidden": "8"}}, "network.hidden"),
    ({"network": {"hidden": [8.5]}}, "network.hidden.0"),
    ({"network": []}, "network"),
    ({"training": {"lr": "0.1"}}, "training.lr"),
    ({"training": {"batch_size": 2.5}}, "training.batch_size"),
    ({"data": {"n": "400"}}, "data.n"),
    ({"data": {"source": "points", "train": [[1, 2, "a"]]}}, "data.train.0.2"),
    ({"data": {"source": "points", "train": [[1, 2, 0.5]]}}, "data.train.0.2"),
    ({"data": {"source": "points", "train": [["1", 2, 0]]}}, "data.train.0.0"),
    ({"data": {"source": "file", "text": 5}}, "data.text"),
    ({"view": {"include": "curves"}}, "view.include"),
    ({"resume": {"weights": [{"W": [[1]], "W0": ["x"]}]}}, "resume.weights.0.W0.0"),
])
def test_wrong_types(api, body, field):
    assert_error(api.post("/api/sessions", json=body), 400, "wrong_type", field)


def test_integral_floats_are_integers(api):
    """8.0 is the integer 8 to JSON and to the OpenAPI document's JSON Schema."""
    body = {"network": {"hidden": [8.0]}, "seed": 3.0, "data": {"n": 40.0}}
    created = api.post("/api/sessions", json=body)
    assert created.status_code == 201, created.json
    assert created.json["frame"]["layers"][0]["units"] == 8
    frame = api.post(f"/api/sessions/{created.json['session']}/advance", json={"steps": 2.0}).json
    assert frame["counters"]["step"] == 2


@pytest.mark.parametrize("body, field", [
    ({"nope": 1}, "nope"), ({"training": {"learning_rate": 0.1}}, "training.learning_rate"),
    ({"data": {"source": "generated", "text": "x"}}, "data.text"),
    ({"view": {"grid": 50, "colour": "red"}}, "view.colour"),
])
def test_unknown_fields(api, body, field):
    assert_error(api.post("/api/sessions", json=body), 400, "unknown_field", field)


@pytest.mark.parametrize("body, field", [
    ({"data": {"source": "points"}}, "data.train"),
    ({"data": {"source": "file"}}, "data.text"),
    ({"resume": {}}, "resume.weights"),
    ({"data": {"source": "points", "train": [[1, 2]]}}, "data.train.0.2"),
])
def test_missing_fields(api, body, field):
    assert_error(api.post("/api/sessions", json=body), 400, "missing_field", field)


@pytest.mark.parametrize("raw, field", [
    (b'{"training": {"lr": NaN}}', "training.lr"),
    (b'{"training": {"lr": Infinity}}', "training.lr"),
    (b'{"training": {"momentum": -Infinity}}', "training.momentum"),
    (b'{"training": {"lr": 1e999}}', "training.lr"),
    (b'{"data": {"noise": NaN}}', "data.noise"),
    (b'{"data": {"source": "points", "train": [[NaN, 0, 0]]}}', "data.train.0.0"),
    (b'{"data": {"source": "points", "train": [[0, 1e400, 0]]}}', "data.train.0.1"),
    (b'{"resume": {"weights": [{"W": [[Infinity]], "W0": [0]}]}}', "resume.weights.0.W.0.0"),
])
def test_nan_and_infinity(api, raw, field):
    assert_error(api.post("/api/sessions", data=raw, content_type="application/json"),
                 400, "not_finite", field)


@pytest.mark.parametrize("training, field", [
    ({"lr": 0}, "training.lr"), ({"lr": -0.1}, "training.lr"), ({"lr": 10.5}, "training.lr"),
    ({"lr": 1e9}, "training.lr"), ({"momentum": 1}, "training.momentum"),
    ({"beta2": 1.0}, "training.beta2"), ({"eps": 0}, "training.eps"),
    ({"batch_size": 0}, "training.batch_size"), ({"weight_decay": 2}, "training.weight_decay"),
])
def test_hyperparameters_out_of_range(api, training, field):
    assert_error(api.post("/api/sessions", json={"training": training}), 400, "out_of_range", field)


@pytest.mark.parametrize("body, field", [
    ({"network": {"hidden": [2] * 9}}, "network.hidden"),
    ({"network": {"hidden": [257]}}, "network.hidden.0"),
    ({"data": {"n": 10_001}}, "data.n"),
    ({"data": {"name": "blobs_k", "classes": 9}}, "data.classes"),
    ({"data": {"source": "points", "train": [[0, 0, 8]]}}, "data.train.0.2"),
    ({"data": {"source": "points", "train": [[0, 0, 0]] * 10_001}}, "data.train"),
    ({"data": {"source": "points", "train": [[0, 0, 0]] * 6000, "val": [[0, 0, 1]] * 4001}}, "data"),
    ({"view": {"grid": 201}}, "view.grid"),
    ({"training": {"batch_size": 10_001}}, "training.batch_size"),
])
def test_limits(api, body, field):
    assert_error(api.post("/api/sessions", json=body), 400, "limit_exceeded", field)


def test_too_many_parameters(api):
    response = api.post("/api/sessions", json={"network": HUGE_NET})
    assert_error(response, 400, "limit_exceeded", "network.hidden")
    assert "132866 parameters" in response.json["message"]


def test_limits_follow_the_config(make_app):
    api = CheckedClient(make_app(MAX_UNITS=16, MAX_POINTS=100, MAX_GRID=40))
    assert_error(api.post("/api/sessions", json={"network": {"hidden": [17]}}),
                 400, "limit_exceeded", "network.hidden.0")
    assert_error(api.post("/api/sessions", json={"data": {"n": 101}}), 400, "limit_exceeded", "data.n")
    assert_error(api.post("/api/sessions", json={"view": {"grid": 41}}), 400, "limit_exceeded", "view.grid")
    assert api.post("/api/sessions", json={"data": {"n": 100}, "view": {"grid": 40}}).status_code == 201


@pytest.mark.parametrize("body, code, field", [
    ({"data": {"name": "nope"}}, "invalid_choice", "data.name"),
    ({"data": {"source": "database"}}, "invalid_choice", "data"),
    ({"network": {"output": "tanh"}}, "invalid_choice", "network.output"),
    ({"network": {"activations": ["gelu"]}}, "invalid_choice", "network.activations.0"),
    ({"network": {"init": "xavier"}}, "invalid_choice", "network.init"),
    ({"network": {"hidden": [4, 4], "activations": ["relu"]}}, "invalid", "network"),
    ({"network": {"output": "sigmoid"}, "data": {"name": "spiral_k"}}, "invalid_network", "network.output"),
    ({"data": {"name": "circle", "classes": 3}}, "invalid", "data"),
    ({"data": {"name": "spiral_k", "n": 2}}, "invalid", "data"),
    ({"view": {"include": ["everything"]}}, "invalid_choice", "view.include.0"),
    ({"view": {"curve_layers": [2]}}, "out_of_range", "view.curve_layers"),
    ({"seed": -1}, "out_of_range", "seed"),
    ({"seed": 2**40}, "out_of_range", "seed"),
    ({"resume": {"weights": [{"W": [[1.0]], "W0": [0.0]}]}}, "wrong_shape", "resume.weights"),
    ({"resume": {"weights": [{"W": [[1.0]] * 2, "W0": [0.0]}, {"W": [[0.0, 0.0]], "W0": [0.0, 0.0]}]}},
     "wrong_shape", "resume.weights.0"),
    ({"resume": {"weights": [{"W": [[1e7]], "W0": [0]}]}}, "out_of_range", "resume.weights.0.W.0.0"),
])
def test_invalid_values(api, body, code, field):
    assert_error(api.post("/api/sessions", json=body), 400, code, field)


# --- advance and the other session routes ------------------------------------------

@pytest.mark.parametrize("body, code, field", [
    ({}, "invalid", None), ({"steps": 1, "epochs": 1}, "invalid", None),
    ({"steps": 0}, "out_of_range", "steps"), ({"epochs": -1}, "out_of_range", "epochs"),
    ({"steps": 10_001}, "limit_exceeded", "steps"), ({"epochs": 101}, "limit_exceeded", "epochs"),
    ({"steps": "5"}, "wrong_type", "steps"), ({"steps": 5.5}, "wrong_type", "steps"),
    ({"steps": None}, "wrong_type", "steps"), ({"steps": 1, "view": {"grid": 500}}, "limit_exceeded", "view.grid"),
    ({"steps": 1, "view": {"grid": 1}}, "out_of_range", "view.grid"),
    ({"steps": 1, "view": {"thumb": 100}}, "out_of_range", "view.thumb"),
    ({"steps": 1, "view": {"curve_layers": [3]}}, "out_of_range", "view.curve_layers"),
    ({"steps": 1, "view": {"since_epoch": -1}}, "out_of_range", "view.since_epoch"),
])
def test_bad_advance(api, sid, body, code, field):
    assert_error(api.post(f"/api/sessions/{sid}/advance", json=body), 400, code, field)


@pytest.mark.parametrize("method, suffix, body, code, field", [
    ("PATCH", "/training", {"lr": 0}, "out_of_range", "lr"),
    ("PATCH", "/training", {"optimizer": "rmsprop"}, "invalid_choice", "optimizer"),
    ("PATCH", "/training", {"lr": None}, "wrong_type", "lr"),
    ("PUT", "/network", {"hidden": [2] * 9}, "limit_exceeded", "hidden"),
    ("PUT", "/network", HUGE_NET, "limit_exceeded", "hidden"),
    ("PUT", "/data", {"source": "file", "text": "1 2 1\n1 2 zz\n"}, "datafile_error", "text"),
    ("PUT", "/data", {"source": "points", "train": []}, "out_of_range", "train"),
    ("POST", "/reset", {"seed": "3"}, "wrong_type", "seed"),
    ("PUT", "/weights", {"layer": 0, "kind": "W", "j": 0, "value": 1}, "invalid", None),
    ("PUT", "/weights", {"layer": 0, "kind": "W0", "i": 0, "j": 0, "value": 1}, "invalid", None),
    ("PUT", "/weights", {"layer": 3, "kind": "W0", "j": 0, "value": 1}, "out_of_range", "layer"),
    ("PUT", "/weights", {"layer": 0, "kind": "W", "i": 2, "j": 0, "value": 1}, "out_of_range", "i"),
    ("PUT", "/weights", {"layer": 0, "kind": "W0", "j": 3, "value": 1}, "out_of_range", "j"),
    ("PUT", "/weights", {"layer": 0, "kind": "W", "i": 0, "j": 0, "value": 1e7}, "out_of_range", "value"),
    ("PUT", "/weights", {"layer": 0}, "invalid", None),
    ("PUT", "/weights", {"layer": 0, "W": [[1, 2, 3]]}, "wrong_shape", "W"),
    ("PUT", "/weights", {"layer": 0, "W0": [1]}, "wrong_shape", "W0"),
    ("PUT", "/weights", {"layer": 0, "W": [[1, 2, 3], [1, 2]]}, "wrong_shape", "W"),
    ("POST", "/probe", {"x": [0]}, "missing_field", "x.1"),
    ("POST", "/probe", {"x": [0, 0], "target": 2}, "out_of_range", "target"),
    ("POST", "/probe", {"x": [0, 0], "lr": 0}, "out_of_range", "lr"),
    ("POST", "/probe/apply", {"x": [0, 0]}, "missing_field", "target"),
    ("POST", "/points", {"add": [{"x": [0, 0], "label": 5}]}, "out_of_range", "add.0.label"),
    ("POST", "/points", {"add": [{"x": [0, 0], "label": 9}]}, "limit_exceeded", "add.0.label"),
    ("POST", "/points", {"remove": [{"split": "val", "index": 99}]}, "out_of_range", "remove.0.index"),
    ("POST", "/points", {"remove": [{"split": "test", "index": 0}]}, "invalid_choice", "remove.0.split"),
    ("POST", "/points", {"add": [{"x": [0, 0], "label": 0}] * 10_001}, "limit_exceeded", "add"),
])
def test_bad_session_requests(api, sid, method, suffix, body, code, field):
    assert_error(api.open(method, f"/api/sessions/{sid}{suffix}", json=body), 400, code, field)


def test_nan_weight_is_refused(api, sid):
    raw = b'{"layer": 0, "kind": "W", "i": 0, "j": 0, "value": NaN}'
    response = api.put(f"/api/sessions/{sid}/weights", data=raw, content_type="application/json")
    assert_error(response, 400, "not_finite", "value")


def test_removing_every_training_point_is_refused(api, sid):
    train = api.get(f"/api/sessions/{sid}").json["frame"]["points"]["train"]
    remove = [{"split": "train", "index": i} for i in range(len(train))]
    assert_error(api.post(f"/api/sessions/{sid}/points", json={"remove": remove}), 400, "invalid", "remove")


def test_sigmoid_output_on_three_classes_is_refused_when_data_changes(api, sid):
    api.put(f"/api/sessions/{sid}/network", json={"hidden": [3], "output": "sigmoid"})
    response = api.put(f"/api/sessions/{sid}/data", json={"name": "spiral_k", "n": 60})
    assert_error(response, 400, "invalid_network", "network.output")
    assert api.get(f"/api/sessions/{sid}").json["frame"]["grid"]["n_classes"] == 2   # unchanged



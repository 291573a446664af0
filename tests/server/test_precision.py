"""training.dtype: a session whose run computes in float32 (engine TrainConfig.dtype)."""
from __future__ import annotations

import json

import pytest

from engine.training import TrainConfig

from . import framedecode as fd
from .apicheck import CheckedClient
from .cases import SMALL, in_process_run
from .test_sessions import advance, create

FLOAT32 = {**SMALL, "training": {**SMALL["training"], "dtype": "float32"}}


@pytest.fixture
def api(app):
    return CheckedClient(app)


def exported(api, sid) -> dict:
    return json.loads(api.get(f"/api/sessions/{sid}/export?format=json").data)


def float32_engine_run():
    run = in_process_run()
    run.set_config(TrainConfig(run.config.optimizer, run.config.batch_size, dtype="float32"))
    return run


def test_a_float32_session_trains_like_the_engine_in_float32(api):
    sid, _ = create(api, FLOAT32)
    frame = advance(api, sid, steps=7)
    run = float32_engine_run()
    run.train_steps(7)
    assert fd.same_weights(fd.weights(frame), fd.as_float32(
        [(lin.W, lin.W0) for lin in run._linears]))
    assert api.get(f"/api/sessions/{sid}").json["settings"]["training"]["dtype"] == "float32"
    body = exported(api, sid)
    assert body["training"]["dtype"] == "float32"
    assert body["checkpoint"]["arrays"]["params"]["dtype"] == "f4"
    # the export carries it: the imported session goes on in float32, identically
    new_sid = api.post("/api/sessions/import", json=body).json["session"]
    assert api.get(f"/api/sessions/{new_sid}").json["settings"]["training"]["dtype"] == "float32"
    original, copy = advance(api, sid, epochs=2), advance(api, new_sid, epochs=2)
    assert fd.same_weights(fd.weights(original), fd.weights(copy))
    assert original["history"] == copy["history"]


def test_float64_is_the_default(api):
    sid, _ = create(api, SMALL)
    assert api.get(f"/api/sessions/{sid}").json["settings"]["training"]["dtype"] == "float64"
    body = exported(api, sid)
    assert body["training"]["dtype"] == "float64"
    assert body["checkpoint"]["arrays"]["params"]["dtype"] == "f8"


def test_patch_converts_the_weights_in_place(api):
    sid, _ = create(api, SMALL)
    before = advance(api, sid, steps=4)
    frame = api.patch(f"/api/sessions/{sid}/training", json={"dtype": "float32"}).json
    assert fd.same_weights(fd.weights(frame), fd.as_float32(fd.weights(before)))   # rounded once
    assert frame["counters"] == before["counters"]
    assert api.get(f"/api/sessions/{sid}").json["settings"]["training"]["dtype"] == "float32"
    assert exported(api, sid)["checkpoint"]["arrays"]["params"]["dtype"] == "f4"
    assert advance(api, sid, steps=3)["counters"]["step"] == 7


def test_a_weight_that_float32_cannot_hold_never_enters_a_session(api):
    sid, _ = create(api, SMALL)
    body = exported(api, sid)
    del body["weights"]                               # the checkpoint's own weights then
    body["checkpoint"]["arrays"]["params"]["data"][0] = 1e300
    response = api.post("/api/sessions/import", json=body)
    # imports are capped like hand edits (1e6), far inside float32's range
    assert (response.status_code, response.json["error"], response.json["field"]) == \
        (400, "out_of_range", "checkpoint.arrays.params")


def test_probe_and_apply_on_a_float32_session(api):
    sid, _ = create(api, FLOAT32)
    stepped = api.post(f"/api/sessions/{sid}/probe", json={"x": [0.5, -0.5], "target": 2, "lr": 0.3}).json
    assert stepped["layers"][1]["dLdW0"] is not None
    frame = api.post(f"/api/sessions/{sid}/probe/apply",
                     json={"x": [0.5, -0.5], "target": 2, "lr": 0.3}).json
    after = [(layer["W_after"], layer["W0_after"]) for layer in stepped["layers"]]
    assert fd.same_weights(fd.weights(frame), fd.as_float32(after))


@pytest.mark.parametrize("value", ["float16", "Float32", "f4", 32, None, ["float32"]])
def test_a_bad_dtype_is_400_naming_the_field(api, value):
    response = api.post("/api/sessions", json={"training": {"dtype": value}})
    assert response.status_code == 400 and response.json["field"] == "training.dtype", response.json
    sid, _ = create(api, SMALL)
    response = api.patch(f"/api/sessions/{sid}/training", json={"dtype": value})
    assert response.status_code == 400 and response.json["field"] == "dtype", response.json
    assert api.get(f"/api/sessions/{sid}").json["settings"]["training"]["dtype"] == "float64"


def test_an_unknown_dtype_is_an_invalid_choice(api):
    response = api.post("/api/sessions", json={"training": {"dtype": "float16"}})
    assert (response.status_code, response.json["error"], response.json["field"]) == \
        (400, "invalid_choice", "training.dtype")
    assert "float32" in response.json["message"]


def test_the_openapi_document_lists_the_dtypes(client):
    schema = client.get("/api/openapi.json").json["components"]["schemas"]["TrainingSettings"]
    assert schema["properties"]["dtype"]["enum"] == ["float64", "float32"]
    assert schema["properties"]["dtype"]["default"] == "float64"
    assert "float32" in schema["description"]

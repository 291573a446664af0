"""Imports held to the limits before anything is built: sizes, counters, weights."""
from __future__ import annotations

import copy
import json
import tracemalloc

import pytest

from server.fields import COUNT_MAX, SEED_MAX

from .apicheck import CheckedClient
from .test_bad_input import assert_error


@pytest.fixture
def api(app):
    return CheckedClient(app)


@pytest.fixture
def export(api):
    sid = api.post("/api/sessions", json={"data": {"n": 20}, "network": {"hidden": [3]}}).json["session"]
    api.post(f"/api/sessions/{sid}/advance", json={"epochs": 2})
    return json.loads(api.get(f"/api/sessions/{sid}/export").data)


def post_import(api, doc: dict):
    """POST an import written by Python's json (the app's own encoder stops at 64 bits)."""
    return api.post("/api/sessions/import", data=json.dumps(doc), content_type="application/json")


def bomb(export: dict, hidden: list[int]) -> dict:
    """The export with a spec that describes ``hidden``, weights left as they were."""
    doc = copy.deepcopy(export)
    doc.pop("weights")
    doc["network"]["hidden"] = doc["checkpoint"]["meta"]["spec"]["hidden"] = hidden
    doc["checkpoint"]["meta"]["spec"]["activations"] = ["relu"] * len(hidden)
    return doc


def test_a_spec_bomb_is_refused_before_it_is_built(api, export):
    body = json.dumps(bomb(export, [20000, 20000])).encode()
    tracemalloc.start()
    try:
        response = api.post("/api/sessions/import", data=body, content_type="application/json")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert_error(response, 400, "limit_exceeded", "checkpoint.meta.spec.hidden.0")
    # 400 million weights would be 3.2 GB; parsing and answering take a few body sizes
    assert peak < 20 * len(body) + 2**20, peak


@pytest.mark.parametrize("hidden, field", [
    ([3] * 9, "checkpoint.meta.spec.hidden"),
    ([257], "checkpoint.meta.spec.hidden.0"),
    ([250, 250, 250], "checkpoint.meta.spec.hidden"),   # each allowed, 126,500 parameters not
])
def test_spec_sizes_are_held_to_the_limits(api, export, hidden, field):
    assert_error(post_import(api, bomb(export, hidden)), 400,
                 "limit_exceeded", field)


def test_classes_and_input_size_are_held_to_the_limits(api, export):
    doc = copy.deepcopy(export)
    doc["checkpoint"]["meta"]["spec"]["n_classes"] = 10**9
    assert_error(post_import(api, doc), 400, "limit_exceeded",
                 "checkpoint.meta.spec.n_classes")
    doc = copy.deepcopy(export)
    doc["checkpoint"]["meta"]["spec"]["input_dim"] = 10**9
    assert_error(post_import(api, doc), 400, "invalid_export",
                 "checkpoint.meta.spec.input_dim")


@pytest.mark.parametrize("name, shape, code", [
    ("X_train", [2, 10**9], "limit_exceeded"),
    ("X_val", [2, 10_000], "limit_exceeded"),       # with the training points, past 10,000
    ("X_train", [10**9, 2], "invalid_export"),
    ("history_epoch", [10**9], "limit_exceeded"),
])
def test_array_shapes_are_held_to_the_limits(api, export, name, shape, code):
    export["checkpoint"]["arrays"][name]["shape"] = shape
    assert_error(post_import(api, export), 400, code,
                 f"checkpoint.arrays.{name}.shape")


@pytest.mark.parametrize("path, value", [
    ("step", 10**30), ("step", 2**64), ("step", 2**64 - 1), ("epoch", 2**63 - 1),
    ("seed", 2**64), ("seed", SEED_MAX + 1), ("pos", 2**64), ("batch_in_epoch", 2**70),
    ("optimizer.t", 2**64), ("rng.uinteger", 2**64), ("rng.has_uint32", 2),
    ("rng.state", "0x1" + "0" * 40), ("diverged_at.step", 2**64),
])
def test_counters_are_range_checked(api, export, path, value):
    meta = export["checkpoint"]["meta"]
    if path == "diverged_at.step":
        meta["state"], meta["diverged_at"] = "diverged", {"epoch": 1, "step": 1}
    *parents, name = path.split(".")
    target = meta
    for key in parents:
        target = target.setdefault(key, {})
    target[name] = value
    before = api.app.extensions["crease"].sessions.store.stats()["sessions"]
    assert_error(post_import(api, export), 400, "out_of_range",
                 f"checkpoint.meta.{path}")
    assert api.app.extensions["crease"].sessions.store.stats()["sessions"] == before


def test_counters_at_their_bounds_make_a_working_session(api, export):
    meta = export["checkpoint"]["meta"]
    meta["step"], meta["seed"] = COUNT_MAX, SEED_MAX
    meta["epoch"] = COUNT_MAX - 10
    response = post_import(api, export)
    assert response.status_code == 201, response.json
    sid = response.json["session"]
    assert api.get(f"/api/sessions/{sid}").status_code == 200
    advanced = api.post(f"/api/sessions/{sid}/advance", json={"epochs": 1})
    assert advanced.status_code == 200, advanced.json
    assert advanced.json["counters"]["epoch"] == COUNT_MAX - 9
    assert api.post(f"/api/sessions/{sid}/reset", json={}).status_code == 200
    assert api.get(f"/api/sessions/{sid}/export").status_code == 200


def test_imported_weights_are_capped_like_hand_edits(api, export):
    export.pop("weights")
    export["checkpoint"]["arrays"]["params"]["data"][0] = 1e308
    assert_error(post_import(api, export), 400, "out_of_range",
                 "checkpoint.arrays.params")
    export["checkpoint"]["arrays"]["params"]["data"][0] = -1e6   # the bound itself is fine
    assert post_import(api, export).status_code == 201


@pytest.mark.parametrize("body, code, field", [
    ({"format": "crease-network", "checkpoint": {}}, "missing_field", "version"),
    ({"format": "other", "version": 1, "checkpoint": {}}, "invalid_choice", "format"),
    ({"format": "crease-network", "version": 2, "checkpoint": {}}, "invalid_choice", "version"),
    ({"format": "crease-network", "version": 1, "checkpoint": []}, "wrong_type", "checkpoint"),
    ({"format": "crease-network", "version": 1, "checkpoint": {"x": 1}}, "invalid_export", "checkpoint"),
    ({"format": "crease-network", "version": 1, "checkpoint": {"format": "crease-run", "version": 1,
      "meta": {}, "arrays": {"W": {"dtype": "f8", "shape": [2], "data": [1]}}}},
     "invalid_export", "checkpoint"),
])
def test_bad_import(api, body, code, field):
    assert_error(api.post("/api/sessions/import", json=body), 400, code, field)


def test_import_with_nan_is_refused(api, export):
    export["checkpoint"]["arrays"]["params"]["data"][0] = float("nan")
    raw = json.dumps(export).encode()          # Python writes the NaN token
    assert b"NaN" in raw
    response = api.post("/api/sessions/import", data=raw, content_type="application/json")
    assert_error(response, 400, "not_finite", "checkpoint")


def test_import_beyond_this_servers_limits(make_app, export):
    small = CheckedClient(make_app(MAX_UNITS=2))
    response = small.post("/api/sessions/import", json=export)
    assert_error(response, 400, "limit_exceeded", "checkpoint.meta.spec.hidden.0")

"""Hostile input, property-based: whatever a client sends, the answer is a
success or a 4xx in the one error shape, never a 5xx and never a traceback
(the conftest's guard also fails a test whose request reached the catch-all).

Bodies are drawn for every route that takes JSON (the route table, so new
routes are covered as they come): arbitrary JSON values, valid bodies with
one value replaced by something hostile, NaN/Infinity tokens, huge and tiny
numbers, unicode (lone surrogates included), deep nesting, giant arrays,
random bytes and uploads.  Session routes get a real session.
"""
from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from server.fields import LR_MIN
from server.routing import ROUTES

SHAPE = {"error", "message", "field"}
FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
VALID = {   # one valid body per JSON route, by path template (those not listed get {})
    "/api/sessions": {"data": {"name": "moons", "n": 60}, "network": {"hidden": [5, 3]},
                      "training": {"optimizer": "adam", "lr": 0.01}, "seed": 3,
                      "view": {"grid": 12, "include": ["thumbnails", "curves"]}},
    "/api/sessions/<sid:sid>/advance": {"steps": 3, "view": {"grid": 12, "since_epoch": 1}},
    "/api/sessions/<sid:sid>/training": {"lr": 0.1, "batch_size": 4},
    "/api/sessions/<sid:sid>/network": {"hidden": [4], "activations": ["tanh"]},
    "/api/sessions/<sid:sid>/data": {"source": "points", "train": [[0, 1, 0], [1, 0, 1]]},
    "/api/sessions/<sid:sid>/reset": {"seed": 2},
    "/api/sessions/<sid:sid>/weights": {"layer": 0, "kind": "W", "i": 1, "j": 2, "value": 0.5},
    "/api/sessions/<sid:sid>/probe": {"x": [0.5, -0.5], "target": 1},
    "/api/sessions/<sid:sid>/probe/apply": {"x": [0.5, -0.5], "target": 1, "lr": 0.1},
    "/api/sessions/<sid:sid>/points": {"add": [{"x": [0.1, 0.2], "label": 1}],
                                       "remove": [{"split": "train", "index": 0}]},
}


def json_routes() -> list[tuple[str, str]]:
    """(method, path template) of every route with a JSON body; the route
    table fills as the app's blueprints are imported (by the first app)."""
    return sorted({(r.method, r.path) for r in ROUTES if r.body is not None and r.request_content is None})


JSON_ROUTE = st.deferred(lambda: st.sampled_from(json_routes()))
HOSTILE_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10 ** 18, max_value=10 ** 400),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1e308, -1e308, 5e-324, -0.0]),
    st.text(), st.text(st.characters(codec=None, categories=["Cs", "Co", "Cn", "Zs", "Cc"])),
    st.sampled_from(["", "\x00", "NaN", "1e999", "' OR 1=1 --", "<script>x</script>", "../../etc"]))
JSON_VALUES = st.recursive(HOSTILE_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=12), inner, max_size=6)),
    max_leaves=30)
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"]


@pytest.fixture
def hostile_app(make_app):
    return make_app(ADVANCE_BUDGET_MS=50)


@pytest.fixture
def client(hostile_app):
    return hostile_app.test_client()


@pytest.fixture
def sid(client):
    response = client.post("/api/sessions", json={"data": {"name": "moons", "n": 60},
                                                  "network": {"hidden": [5, 3]}})
    assert response.status_code == 201
    return response.json["session"]


def concrete(path: str, sid: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", sid, path)


def send(client, method: str, path: str, raw: bytes, content_type="application/json"):
    response = client.open(path, method=method, data=raw, content_type=content_type)
    assert_answer(response)
    if currently_in_test_context():   # what the answers were: --hypothesis-show-statistics
        event(f"{response.status_code} {response.json['error'] if response.status_code >= 400 else ''}")
    return response


def assert_answer(response) -> None:
    """A success, or a 4xx in the one error shape; no 5xx, no traceback."""
    assert response.status_code < 500, (response.status_code, response.data[:300])
    assert b"Traceback" not in response.data and b'File "' not in response.data
    if response.status_code >= 400:
        assert response.mimetype == "application/json", response.mimetype
        body = response.json
        assert set(body) == SHAPE and isinstance(body["message"], str) and body["message"]
        assert body["field"] is None or isinstance(body["field"], str)


def leaves(value, path=()):
    """Every (path, leaf) of a JSON value, containers included."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from leaves(v, (*path, i))


def replaced(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


@FUZZ
@given(route=JSON_ROUTE, body=JSON_VALUES, token=st.sampled_from(NON_FINITE))
def test_any_json_body_gets_an_answer_in_shape(client, sid, route, body, token):
    method, path = route
    raw = json.dumps(body, allow_nan=False).encode()
    send(client, method, concrete(path, sid), raw)
    if isinstance(body, dict) and body:                  # the same with a non-finite number inside
        key = next(iter(body))
        name = json.dumps(key).encode() + b": "
        bad = raw.replace(name, name + token.encode() + b', "_": ', 1)
        response = send(client, method, concrete(path, sid), bad)
        assert response.status_code in (400, 404), response.status_code


def lone_surrogate(value) -> bool:
    """A surrogate in any text of ``value``, keys included, that is not the high
    half of a high-low pair or its low half: json.dumps writes it as an escape
    no pair completes, which is not Unicode text."""
    if isinstance(value, str):
        text = re.sub("[\ud800-\udbff][\udc00-\udfff]", "", value)
        return re.search("[\ud800-\udfff]", text) is not None
    if isinstance(value, dict):
        return any(lone_surrogate(k) or lone_surrogate(v) for k, v in value.items())
    return isinstance(value, list) and any(lone_surrogate(v) for v in value)


def test_lone_surrogates_are_found_wherever_they_are():
    assert lone_surrogate({"a": ["abcd\udc00"]}) and lone_surrogate({"\ud800x": 1})
    assert lone_surrogate("\udc00\ud800") and lone_surrogate("\ud800\ud800\udc00")
    assert not lone_surrogate({"a": ["\U00010000", "\ud800\udc00", "\\ud800", 5]})


def same_kind(value) -> st.SearchStrategy:
    """Values of ``value``'s JSON type, extremes included: they pass the type
    checks and test ranges, limits and what the session makes of them."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.one_of(st.integers(), st.integers(-3, 300), st.sampled_from([value - 1, value + 1, 2 ** 63]))
    if isinstance(value, float):
        return st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.floats(-20, 20))
    if isinstance(value, str):
        return st.one_of(st.text(max_size=40), st.sampled_from(["relu", "sigmoid", "softmax", "val", ""]))
    if isinstance(value, list):
        return st.lists(st.sampled_from(value) if value else st.nothing(), max_size=300)
    if isinstance(value, dict) and value:
        return st.lists(st.sampled_from(sorted(value)), unique=True).map(
            lambda keep: {k: value[k] for k in keep})
    return JSON_VALUES


@FUZZ
@given(route=st.sampled_from(sorted(VALID)), data=st.data())
def test_valid_bodies_with_one_hostile_value(client, sid, route, data):
    method = next(m for m, p in json_routes() if p == route)
    base = VALID[route]
    spots = list(leaves(base))
    where, old = data.draw(st.sampled_from(spots), label="where")
    new = data.draw(st.one_of(same_kind(old), JSON_VALUES), label="new")
    body = replaced(base, where, new)
    text = json.dumps(body)
    response = send(client, method, concrete(route, sid), text.encode())
    if response.status_code == 400 and lone_surrogate(body):
        # not Unicode text (RFC 8259 8.2): refused as JSON, saying where
        assert response.json["error"] == "invalid_json" and "column" in response.json["message"]
    elif response.status_code == 400:
        assert response.json["error"] != "invalid_json"   # it was JSON


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=400), route=JSON_ROUTE,
       content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded",
                                     "multipart/form-data", ""]))
def test_random_bytes(client, sid, raw, route, content_type):
    method, path = route
    send(client, method, concrete(path, sid), raw, content_type)


@pytest.mark.parametrize("raw", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"data": {"source": "points", "train": ' + b"[" * 20_000 + b"]" * 20_000 + b"}}",
    b'{"seed": ' + b"9" * 100_000 + b"}",
    b'{"seed": 1' + b"0" * 400 + b".5e-401}",               # 0.1 in a thousand digits
    b'{"network": {"hidden": [' + b"1," * 600_000 + b"1]}}",
    b'{"data": {"source": "file", "text": "' + b"\\ud800" * 50_000 + b'"}}',
])
def test_deep_long_and_huge_json(client, raw):
    assert send(client, "POST", "/api/sessions", raw).status_code in (400, 413)


def test_giant_arrays_are_refused_by_limit_not_by_crash(client, sid):
    points = [[0.5, 0.25, 0]] * 150_000                           # ~2.5 MB: under the body limit
    response = send(client, "POST", "/api/sessions", json.dumps(
        {"data": {"source": "points", "train": points}}).encode())
    assert response.status_code == 400 and response.json["error"] == "limit_exceeded"
    response = send(client, "POST", "/api/sessions", json.dumps(
        {"data": {"source": "points", "train": [[0.5, 0.25, 0]] * 300_000}}).encode())
    assert response.status_code == 413                            # over it
    weights = {"layer": 0, "W": [[1.0] * 2000] * 200}             # 2 MB, for a 2 x 5 layer
    assert send(client, "PUT", f"/api/sessions/{sid}/weights",
                json.dumps(weights).encode()).status_code == 400


@pytest.mark.parametrize("number, code", [
    ("1e308", "out_of_range"), ("1e309", "not_finite"), ("-1e999", "not_finite"),
    ("NaN", "not_finite"), ("Infinity", "not_finite"), ("-0.0", "out_of_range"),
    ("100000000000000000000000000000000000000", "out_of_range"), ("5e-324", "out_of_range"),
    (repr(LR_MIN), None),
])
def test_extreme_numbers_in_a_rate(client, sid, number, code):
    response = send(client, "PATCH", f"/api/sessions/{sid}/training", f'{{"lr": {number}}}'.encode())
    if code is None:                                   # the least rate is one
        assert response.status_code == 200
        return
    assert response.status_code == 400 and response.json["error"] == code, response.json
    assert response.json["field"] == "lr"


# ---- uploads ------------------------------------------------------------------------------

@settings(max_examples=80, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(st.binary(max_size=600), st.text(max_size=300).map(str.encode),
                         st.lists(st.tuples(st.floats(), st.floats(), st.integers(-3, 12)), max_size=30)
                         .map(lambda rows: "\n".join(f"{a} {b} {c}" for a, b, c in rows).encode())),
       as_file=st.booleans())
def test_any_upload_is_read_or_refused_with_a_line(client, content, as_file):
    if as_file:
        from io import BytesIO
        response = client.post("/api/datafile", data={"file": (BytesIO(content), "points.txt")},
                               content_type="multipart/form-data")
    else:
        response = client.post("/api/datafile", data=content, content_type="text/plain")
    assert_answer(response)
    if response.status_code == 200:
        info = response.json
        assert info["points"] == len(info["data"]) and 2 <= info["classes"] <= 8
        assert all(math.isfinite(v) for row in info["data"] for v in row)
    else:
        assert response.status_code == 400, response.status_code
        assert response.json["error"] in ("datafile_error", "limit_exceeded", "out_of_range")

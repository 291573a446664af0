"""/api/datasets and /api/datafile: the built-in sets, and reading uploads."""
from __future__ import annotations

import io

import pytest

from engine.datasets import DATASETS
from server.fields import COORD_MAX

from .apicheck import CheckedClient
from .cases import SMALL
from .test_bad_input import assert_error

GOOD = "# x1 x2 label\n1.0 2.0 1\n-1, -2, -1\n0.5 0.25 1\n"


@pytest.fixture
def api(app):
    return CheckedClient(app)


def test_datasets_lists_the_registry_and_the_limits(api):
    answer = api.get("/api/datasets").json
    assert [d["name"] for d in answer["datasets"]] == list(DATASETS)
    spiral = next(d for d in answer["datasets"] if d["name"] == "spiral_k")
    assert spiral["class_range"] == [2, 8] and spiral["classes"] == 3
    assert [d["title"] for d in answer["datasets"]] == [d.title for d in DATASETS.values()]
    assert answer["limits"]["max_points"] == 10_000 and answer["noise_max"] == 1.0


def test_the_rate_bounds_it_sends_are_the_ones_every_rate_is_held_to(api):
    """The page's bounds on the learning rate are these (static/js/state.js)."""
    limits = api.get("/api/datasets").json["limits"]
    low, high = limits["lr_min"], limits["lr_max"]
    for lr, status in ((low, 201), (high, 201), (low * 0.99, 400), (high * 1.01, 400)):
        response = api.post("/api/sessions", json={**SMALL, "training": {"lr": lr}})
        assert response.status_code == status, (lr, response.json)
    sid = api.post("/api/sessions", json=SMALL).json["session"]
    for method, path, body in (("PATCH", "training", {"lr": high * 1.01}),
                               ("POST", "probe", {"x": [0, 0], "target": 1, "lr": low * 0.99})):
        response = api.open(method, f"/api/sessions/{sid}/{path}", json=body)
        assert response.status_code == 400 and response.json["field"] == "lr", response.json


def test_a_file_holds_its_points_to_the_coordinate_bound_of_any_point(api):
    assert api.post("/api/sessions", json={"data": {"source": "file", "text": "1e4 0 0\n0 -1e4 1\n"}}
                    ).status_code == 201
    response = api.post("/api/sessions", json={"data": {"source": "file", "text": "1 0 0\n0 10001 1\n"}})
    assert_error(response, 400, "out_of_range", "data.text")
    assert f"+-{COORD_MAX:g}" in response.json["message"]


def test_datafile_as_text(api):
    answer = api.post("/api/datafile", data=GOOD, content_type="text/plain").json
    assert answer["points"] == 3 and answer["classes"] == 2 and answer["label_counts"] == [1, 2]
    assert answer["data"] == [[1.0, 2.0, 1], [-1.0, -2.0, 0], [0.5, 0.25, 1]]
    x0, x1, y0, y1 = answer["extent"]
    assert x0 < -1 < 1 < x1 and y0 < -2 < 2 < y1


def test_datafile_as_a_multipart_upload(api):
    response = api.post("/api/datafile", data={"file": (io.BytesIO(GOOD.encode("utf-8-sig")), "d.txt")},
                        content_type="multipart/form-data")
    assert response.status_code == 200 and response.json["points"] == 3


@pytest.mark.parametrize("raw, words", [
    (b"", "no data points"), (b"   \n# nothing\n", "no data points"),
    (b"1 2 1\n\x00\x00\x00", "binary"), (b"1 2 1\n\xff\xfe 2 1\n", "not UTF-8"),
    (b"1 2 1\n1 2 1\n1 2 one\n", "line 3"), (b"1 2 1\n1 2 0\n1 2 9\n", "line 3"),
])
def test_bad_uploads_name_the_problem(api, raw, words):
    response = api.post("/api/datafile", data=raw, content_type="text/plain")
    assert response.status_code == 400
    assert response.json["error"] == "datafile_error" and response.json["field"] == "file"
    assert words in response.json["message"]


def test_too_many_points_in_a_file(make_app):
    api = CheckedClient(make_app(MAX_POINTS=5))
    response = api.post("/api/datafile", data="0 0 0\n1 1 1\n" * 3, content_type="text/plain")
    assert response.status_code == 400 and "line 6" in response.json["message"]
    assert "too many points" in response.json["message"]


def test_more_classes_than_configured(make_app):
    api = CheckedClient(make_app(MAX_CLASSES=3))
    response = api.post("/api/datafile", data="0 0 0\n1 1 1\n2 2 3\n", content_type="text/plain")
    assert response.status_code == 400 and response.json["error"] == "limit_exceeded"


def test_coordinates_beyond_the_plane_are_refused(api):
    response = api.post("/api/datafile", data="0 0 0\n1e6 1 1\n", content_type="text/plain")
    assert response.status_code == 400 and response.json["error"] == "out_of_range"


def test_multipart_without_the_file_field(api):
    response = api.post("/api/datafile", data={"other": "x"}, content_type="multipart/form-data")
    assert response.status_code == 400 and response.json["field"] == "file"


def test_other_media_types_are_415(api):
    response = api.post("/api/datafile", json={"text": GOOD})
    assert response.status_code == 415 and response.json["error"] == "unsupported_media_type"


def test_an_uploaded_file_makes_a_session(api):
    response = api.post("/api/sessions", json={"data": {"source": "file", "text": GOOD * 10, "val_share": 0.2}})
    assert response.status_code == 201
    points = response.json["frame"]["points"]
    assert len(points["train"]) == 24 and len(points["val"]) == 6


def test_a_datafile_of_blank_lines_is_refused_naming_the_limit(api):
    """The issue's 4 MB of blank lines (3.2-3.6 s on 428945f): refused before reading."""
    raw = "0 0 0\n1 1 1\n" + "\n" * (4 * 1024 * 1024 - 100)
    response = api.post("/api/datafile", data=raw, content_type="text/plain")
    assert response.status_code == 400 and response.json["field"] == "file"
    assert "4194207 lines; the limit is 40100" in response.json["message"]


@pytest.mark.parametrize("text, line, words", [
    ("1 2 1\n3 4 x\n", 2, "non-numeric"),
    ("# header\n1 2 1\n\n1 2\n", 4, "wrong number of columns"),
    ("1 2 1\n1 nan 0\n", 2, "NaN"),
    ("1 2 1\n1 2 3.5\n", 2, "not an integer"),
    ("1 2 1\n1 2 -1\n1 2 2\n", 3, "mix"),
])
def test_malformed_data_file_names_the_line(api, text, line, words):
    response = api.post("/api/sessions", json={"data": {"source": "file", "text": text}})
    assert_error(response, 400, "datafile_error", "data.text")
    assert f"line {line}:" in response.json["message"] and words in response.json["message"]


@pytest.mark.parametrize("text, words", [("# only a comment\n", "no data points"),
                                        ("1 2 1\n3 4 1\n", "two classes"),
                                        ("1 2 0\n\x00\x01", "binary")])
def test_empty_or_binary_data_file(api, text, words):
    response = api.post("/api/sessions", json={"data": {"source": "file", "text": text}})
    assert_error(response, 400, "datafile_error", "data.text")
    assert words in response.json["message"]


def test_validation_file_errors_name_their_field(api):
    body = {"data": {"source": "file", "text": "1 2 1\n2 1 -1\n", "val_text": "0 0 1\n0 0 z\n"}}
    response = api.post("/api/sessions", json=body)
    assert_error(response, 400, "datafile_error", "data.val_text")
    assert "line 2" in response.json["message"]

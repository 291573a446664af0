"""Bad experiment bodies (server/experiment_schemas.py) are refused with the
error named, before any trial runs."""
from __future__ import annotations

import json

import pytest

from .apicheck import CheckedClient
from .test_experiments import BODY


@pytest.fixture
def api(app):
    return CheckedClient(app)


@pytest.mark.parametrize("body, code", [
    ({**BODY, "architectures": []}, "out_of_range"),
    ({**BODY, "architectures": [[0]]}, "out_of_range"),
    ({**BODY, "architectures": [[256, 256, 256]]}, "limit_exceeded"),   # > max_params
    ({**BODY, "epochs": 0}, "out_of_range"),
    ({**BODY, "trials": 51}, "out_of_range"),
    ({**BODY, "optimizer": "rmsprop"}, "invalid_choice"),
    ({**BODY, "data": {"source": "file", "text": "1 2 0\n3 x 1\n"}}, "datafile_error"),
    ({**BODY, "data": {"source": "generated", "name": "nope"}}, "invalid_choice"),
    ({**BODY, "points": [[0, float("nan")]]}, "not_finite"),
])
def test_bad_experiments_are_refused(api, body, code):
    r = api.post("/api/experiments", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"] == code, r.get_json()


def test_datafile_errors_name_the_line(api):
    r = api.post("/api/experiments", json={**BODY, "data": {"source": "file", "text": "1 2 0\n3 x 1\n"}})
    assert "line 2" in r.get_json()["message"]

"""Schemathesis against the app's own /api/openapi.json, with every check.

Each operation gets a bounded number of generated requests, valid and
invalid ones.  Session routes whose generated id has the right form are
sent to a real, freshly created session, so valid bodies reach the session
logic instead of stopping at a 404.  The checks: no 5xx, every status,
content type, header and body as documented, invalid requests refused, and
valid ones accepted unless the session itself says no (see
``schema_valid_is_accepted``).  The conftest's guard fails the test if the
catch-all 500 handler ever ran.

The app is built at import: schemathesis's pytest integration needs the
schema when it collects (its fixture-based loader breaks on pytest 9).
Limits are small so that generated networks and data stay cheap.
"""
from __future__ import annotations

import json

import schemathesis
from schemathesis.config import SchemathesisConfig

from server import create_app
from server.routing import SESSION_ID_RE

from .conftest import TEST_SETTINGS

LIMITS = {"MAX_LAYERS": 3, "MAX_UNITS": 16, "MAX_PARAMS": 600, "MAX_POINTS": 300,
          "MAX_GRID": 40, "MAX_STEPS": 200, "MAX_EPOCHS": 5, "ADVANCE_BUDGET_MS": 50}
SESSION = {"data": {"name": "spiral_k", "n": 60, "classes": 3}, "network": {"hidden": [6, 4]}}

# 400s that a schema-valid request may still get: what depends on the session
# (a layer, unit, label or target past what this network or data has), on a
# file's content, or on relations between fields that JSON Schema cannot state
# (as many activations as hidden layers, history lists of one length).  A
# wrong_type, missing_field, unknown_field, invalid_choice or not_finite for a
# schema-valid request would mean the document and the server disagree.
SEMANTIC_CODES = {"out_of_range", "wrong_shape", "limit_exceeded", "invalid_network",
                  "datafile_error", "invalid", "not_applied", "invalid_export"}

app = create_app({**TEST_SETTINGS, **{k: str(v) for k, v in LIMITS.items()}})
config = SchemathesisConfig.from_dict({
    "generation": {"max-examples": 10, "database": "none", "mode": "all"},
    # replaced by schema_valid_is_accepted, which also allows the documented semantic 400s
    "checks": {"positive_data_acceptance": {"enabled": False}},
})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=config)


def schema_valid_is_accepted(ctx, response, case) -> None:
    """A request that fits the document is answered 2xx, 404 (no such
    session), 409 or 429, or refused for a reason the document cannot state."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    status = response.status_code
    if status == 400:
        code = json.loads(response.content)["error"]
        assert code in SEMANTIC_CODES, (
            f"schema-valid request refused with {code}: {response.content[:300]!r}")
    else:
        assert status < 300 or status in (404, 409, 429), f"schema-valid request got {status}"


_session: list[str] = []   # one real session, made again after a DELETE took it


def real_session() -> str:
    if not _session:
        response = app.test_client().post("/api/sessions", json=SESSION)
        assert response.status_code == 201, response.json
        _session.append(response.json["session"])
    return _session[0]


@schema.parametrize()
def test_api_conforms_to_its_document(case):
    sid = (case.path_parameters or {}).get("sid")
    if isinstance(sid, str) and SESSION_ID_RE.fullmatch(sid):
        case.path_parameters["sid"] = real_session()
    # The WSGI transport does not undo gzip; the compression itself is tested elsewhere.
    response = case.call_and_validate(headers={"Accept-Encoding": "identity"},
                                      additional_checks=[schema_valid_is_accepted])
    if case.method == "DELETE" and response.status_code == 204:
        _session.clear()

"""The OpenAPI document is true: every route is in it, and only routes;
limits come from the config; answers match it (see apicheck and test_api)."""
from __future__ import annotations

import json
import re

import jsonschema_rs

from server.openapi import openapi_path

from .apicheck import check_answer

IGNORED = {"/", "/static/<path:filename>"}


def flask_operations(app) -> set[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.rule in IGNORED or not (rule.rule.startswith("/api") or rule.rule == "/healthz"):
            continue
        out |= {(m, openapi_path(rule.rule)) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return out


def document_operations(document) -> set[tuple[str, str]]:
    return {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}


def test_every_route_is_documented_and_every_documented_route_exists(app, client):
    document = client.get("/api/openapi.json").json
    assert flask_operations(app) == document_operations(document)
    assert len(document_operations(document)) >= 17


def test_the_document_is_openapi_3_1_and_its_references_resolve(client):
    document = client.get("/api/openapi.json").json
    assert document["openapi"] == "3.1.0"
    text = json.dumps(document)
    for ref in set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text)):
        assert ref in document["components"]["schemas"], ref
    for name, schema in document["components"]["schemas"].items():
        jsonschema_rs.Draft202012Validator(
            {"components": document["components"], **schema})   # compiles
        assert "x-limit" not in json.dumps(schema), name
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_limits_in_the_document_follow_the_config(make_app):
    document = make_app(MAX_LAYERS=3, MAX_UNITS=16, MAX_GRID=50, MAX_CLASSES=4).test_client() \
        .get("/api/openapi.json").json
    schemas = document["components"]["schemas"]
    hidden = schemas["NetworkSettings"]["properties"]["hidden"]
    assert hidden["maxItems"] == 3 and hidden["items"]["maximum"] == 16
    assert schemas["View"]["properties"]["grid"]["maximum"] == 50
    label = schemas["NewPoint"]["properties"]["label"]
    assert label["maximum"] == 3 and label["minimum"] == 0


def test_session_routes_document_their_errors(client):
    document = client.get("/api/openapi.json").json
    advance = document["paths"]["/api/sessions/{sid}/advance"]["post"]
    assert {"200", "400", "404", "409", "413", "429", "503"} <= set(advance["responses"])
    sid = advance["parameters"][0]
    assert sid["in"] == "path" and sid["schema"]["pattern"]


def test_checker_catches_an_undocumented_answer(app, client):
    response = client.get("/healthz")
    response.status_code = 418
    try:
        check_answer(app, "GET", "/healthz", response)
    except AssertionError as e:
        assert "418" in str(e)
    else:
        raise AssertionError("an undocumented status passed the check")


def test_checker_catches_a_body_that_breaks_the_schema(app, client):
    response = client.get("/healthz")
    response.set_data(b'{"ok": "yes", "store": "memory"}')
    try:
        check_answer(app, "GET", "/healthz", response)
    except AssertionError as e:
        assert "yes" in str(e) or "boolean" in str(e)
    else:
        raise AssertionError("a wrong body passed the check")

"""The OpenAPI 3.1 document, built from the route table and the models.

Served at /api/openapi.json.  Limits are written in from the app's config
(fields.AtMost leaves an ``x-limit`` note where each one goes), so the
document tells a client exactly what this server accepts.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .config import Limits
from .responses import Error
from .routing import ROUTES, SESSION_ID_PATTERN, Route, body_required

REF = "#/components/schemas/{model}"
SESSION_ID_SCHEMA = {"type": "string", "pattern": f"^{SESSION_ID_PATTERN}$"}
ERROR_TEXT = {400: "invalid request", 404: "unknown session or route", 409: "session busy",
              413: "body or session too large", 415: "unsupported upload",
              429: "rate limited, or too many sessions from this address",
              503: "session store unavailable or full"}


def openapi_path(rule: str) -> str:
    """Flask rule -> OpenAPI path: /api/sessions/<sid> -> /api/sessions/{sid}."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def build_document(limits: Limits, version: str = "1") -> dict:
    models = _models(ROUTES)
    refs, components = models_json_schema(
        [(m, "validation") for m in models["in"]] + [(m, "serialization") for m in models["out"]],
        ref_template=REF)
    schemas = _apply_limits(components.get("$defs", {}), limits)
    ref_of = {(m, mode): refs[(m, mode)] for (m, mode) in refs}
    paths: dict[str, dict] = {}
    for r in ROUTES:
        paths.setdefault(openapi_path(r.path), {})[r.method.lower()] = _operation(r, ref_of, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Crease API", "version": version,
                 "description": "A neural-network playground: sessions, training frames, "
                                "probes and exports. Frame format: docs/design.md."},
        "paths": paths,
        "components": {"schemas": schemas},
    }


def _models(routes: list[Route]) -> dict[str, list[type[BaseModel]]]:
    ins = [m for r in routes for m in (r.body, r.query) if m is not None]
    outs = [r.answer for r in routes if r.answer is not None] + [Error]
    outs += [m for r in routes for m in r.answers.values()]
    return {"in": list(dict.fromkeys(ins)), "out": list(dict.fromkeys(outs))}


def _operation(r: Route, ref_of: dict, schemas: dict) -> dict:
    op: dict[str, Any] = {"summary": r.summary, "operationId": _operation_id(r)}
    # <sid:...> (a session or experiment id) has its pattern; other parameters are strings
    params = [{"name": name, "in": "path", "required": True,
               "schema": SESSION_ID_SCHEMA if converter == "sid" else {"type": "string"}}
              for converter, name in re.findall(r"<(?:([a-z]+):)?([a-z_]+)>", r.path)]
    if r.query is not None:
        query = schemas[_name(ref_of[(r.query, "validation")])]
        params += [{"name": name, "in": "query", "required": name in query.get("required", []),
                    "schema": prop} for name, prop in query["properties"].items()]
    if params:
        op["parameters"] = params
    if r.request_content is not None:
        op["requestBody"] = {"required": True, "content": r.request_content}
    elif r.body is not None:
        op["requestBody"] = {"required": body_required(r.body), "content": {
            "application/json": {"schema": ref_of[(r.body, "validation")]}}}
    op["responses"] = _responses(r, ref_of)
    return op


def _responses(r: Route, ref_of: dict) -> dict:
    ok: dict[str, Any] = {"description": "success"}
    if r.answer_content is not None:
        ok["content"] = r.answer_content
    elif r.answer is not None:
        ok["content"] = {"application/json": {"schema": ref_of[(r.answer, "serialization")]}}
    out = {str(r.status): ok}
    error = {"application/json": {"schema": ref_of[(Error, "serialization")]}}
    for code in sorted(set(r.errors) | {429}):
        out[str(code)] = {"description": ERROR_TEXT.get(code, "error"), "content": error}
    for code, model in r.answers.items():
        out[str(code)] = {"description": ERROR_TEXT.get(code, "error"), "content": {
            "application/json": {"schema": ref_of[(model, "serialization")]}}}
    return out


def _operation_id(r: Route) -> str:
    words = re.sub(r"[<>{}]", "", openapi_path(r.path)).strip("/").replace("/", "_")
    return f"{r.method.lower()}_{re.sub(r'[^a-z_]', '_', words)}"


def _name(ref: dict) -> str:
    return ref["$ref"].rsplit("/", 1)[-1]


def _apply_limits(node: Any, limits: Limits) -> Any:
    """Replace every ``x-limit`` note by the bound it stands for."""
    if isinstance(node, list):
        return [_apply_limits(v, limits) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _apply_limits(v, limits) for k, v in node.items() if k != "x-limit"}
    note = node.get("x-limit")
    if note is not None:
        bound = getattr(limits, note["limit"]) + note["offset"]
        key = note["key"]
        out[key] = min(out[key], bound) if key in out else bound
    return out

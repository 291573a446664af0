"""The route table: one decorator registers a view with its blueprint and
records what it accepts and answers, so the OpenAPI document (openapi.py)
is built from the same facts that route and validate the requests.

A view declared with ``body=Model`` receives ``body``, the request parsed
and validated by that model; with ``query=Model`` it receives ``query``.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, current_app, request
from pydantic import BaseModel, ValidationError
from werkzeug.routing import BaseConverter

from .errors import ApiError, reading_body


@dataclass(frozen=True)
class Route:
    method: str
    path: str                       # Flask rule with the blueprint's prefix, e.g. /api/sessions/<sid>
    summary: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    answer: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    request_content: dict | None = None    # a body that is not JSON (uploads)
    answer_content: dict | None = None     # an answer that is not JSON (downloads)
    answers: dict[int, type[BaseModel]] = field(default_factory=dict)  # other answers than Error


ROUTES: list[Route] = []
SESSION_ID_PATTERN = r"[A-Za-z0-9_-]{16,64}"   # what store.new_session_id makes, with room to spare
SESSION_ID_RE = re.compile(SESSION_ID_PATTERN)


class SessionIdConverter(BaseConverter):
    """``<sid:sid>``: only what could be a session id matches, so
    /api/sessions/import is never taken for a session."""
    regex = SESSION_ID_PATTERN

# pydantic error type -> our error code
ERROR_CODES = {
    "json_invalid": "invalid_json", "missing": "missing_field", "extra_forbidden": "unknown_field",
    "finite_number": "not_finite", "limit_exceeded": "limit_exceeded",
    "literal_error": "invalid_choice", "enum": "invalid_choice", "source": "invalid_choice",
    "union_tag_invalid": "invalid_choice",
}
RANGE_ERRORS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal",
                "too_short", "too_long")


def route(bp: Blueprint, method: str, rule: str, *, summary: str, **facts: Any) -> Callable:
    def decorate(view: Callable) -> Callable:
        spec = Route(method, (bp.url_prefix or "") + rule, summary, **facts)
        ROUTES.append(spec)

        @functools.wraps(view)
        def handle(**kwargs: Any) -> Any:
            if spec.body is not None:
                kwargs["body"] = parse_body(spec.body)
            if spec.query is not None:
                kwargs["query"] = validate(spec.query, request.args.to_dict(), json=False)
            return view(**kwargs)

        bp.add_url_rule(rule, view.__name__, handle, methods=[method])
        return handle
    return decorate


def body_required(model: type[BaseModel]) -> bool:
    """Whether an empty body (read as {}) would be refused."""
    try:
        model.model_validate_json(b"{}")
    except ValidationError:
        return True
    return False


def parse_body(model: type[BaseModel]) -> Any:
    with reading_body():
        raw = request.get_data(cache=False) or b"{}"
    return validate(model, raw)


def validate(model: type[BaseModel], raw: Any, json: bool = True) -> Any:
    """Validate with the app's limits; the first problem becomes a 400 ApiError."""
    context = {"limits": current_app.extensions["crease"].config.limits}
    try:
        if json:
            parsed = model.model_validate_json(raw, context=context)
        else:
            parsed = model.model_validate(raw, context=context)
    except ValidationError as e:
        raise api_error(e) from None
    return parsed.root if hasattr(parsed, "root") else parsed


def api_error(e: ValidationError) -> ApiError:
    first = e.errors(include_url=False, include_input=False)[0]
    kind = first["type"]
    code = ERROR_CODES.get(kind) or ("wrong_type" if kind.endswith("_type") else
                                     "out_of_range" if kind in RANGE_ERRORS else "invalid")
    if kind == "json_invalid":
        return ApiError(400, code, f"The body is not valid JSON: {first['ctx']['error']}")
    where = field_path(first["loc"])
    message = first["msg"] if where is None else f"{where}: {first['msg']}"
    return ApiError(400, code, message, where)


def field_path(loc: tuple) -> str | None:
    """('data', 'source:points', 'train', 3, 1) -> 'data.train.3.1' (union tags dropped)."""
    parts = [str(p) for p in loc if not (isinstance(p, str) and ":" in p)]
    return ".".join(parts) or None

"""Check answers against the app's own OpenAPI document (jsonschema_rs)."""
from __future__ import annotations

import functools
import gzip
import json
import re

import jsonschema_rs


@functools.lru_cache(maxsize=8)
def _validator(document_text: str, ref: str):
    document = json.loads(document_text)
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "components": document["components"], "$ref": ref}
    return jsonschema_rs.Draft202012Validator(schema)


def operation(document: dict, method: str, path: str) -> dict:
    """The document's operation for a concrete path like /api/sessions/abc/advance."""
    for template, ops in document["paths"].items():
        pattern = "^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in ops:
            return ops[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def check_answer(app, method: str, path: str, response) -> None:
    """The status is documented for this operation and a JSON body matches its schema."""
    document = app.extensions["crease"].openapi()
    answers = operation(document, method, path.split("?")[0])["responses"]
    status = str(response.status_code)
    assert status in answers, f"{method} {path} answered {status}, documented: {sorted(answers)}"
    content = answers[status].get("content", {})
    if response.mimetype == "application/json" and "application/json" in content:
        schema = content["application/json"]["schema"]
        if "$ref" in schema:
            validator = _validator(json.dumps(document), schema["$ref"])
            data = response.get_data()
            if response.headers.get("Content-Encoding") == "gzip":
                data = gzip.decompress(data)
            errors = [e.message for e in validator.iter_errors(json.loads(data))]
            assert not errors, f"{method} {path} {status}: {errors[:3]}"
    else:
        assert not content or response.mimetype in content, (method, path, response.mimetype)


class CheckedClient:
    """A test client whose every answer is checked against the document."""

    def __init__(self, app):
        self.app, self.client = app, app.test_client()

    def open(self, method: str, path: str, **kwargs):
        response = self.client.open(path, method=method, **kwargs)
        check_answer(self.app, method, path, response)
        return response

    def get(self, path, **kw):
        return self.open("GET", path, **kw)

    def post(self, path, **kw):
        return self.open("POST", path, **kw)

    def put(self, path, **kw):
        return self.open("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.open("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.open("DELETE", path, **kw)

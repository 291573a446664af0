"""Downloads (server/downloads.py): the importable JSON export, the network as
arrays or as a script, each with the media type the OpenAPI document lists."""
from __future__ import annotations

import pytest

from server.downloads import DOWNLOADS, EXPORT_CONTENT, FORMATS

from .apicheck import CheckedClient
from .test_bad_input import assert_error
from .test_sessions import create


@pytest.fixture
def api(any_app):
    return CheckedClient(any_app)


@pytest.fixture
def sid(api):
    return create(api)[0]


@pytest.mark.parametrize("fmt, media_type, text", [
    ("npz", "application/octet-stream", b"PK"), ("python", "text/x-python", b"Sequential"),
    ("pytorch", "text/x-python", b"torch")])
def test_export_downloads(api, sid, fmt, media_type, text):
    response = api.get(f"/api/sessions/{sid}/export?format={fmt}")
    assert response.status_code == 200 and response.mimetype == media_type
    assert text in response.data and "attachment" in response.headers["Content-Disposition"]


def test_every_format_is_offered_with_its_media_type(api, sid):
    assert FORMATS == ("json", *DOWNLOADS)
    query = api.get("/api/openapi.json").json["paths"]["/api/sessions/{sid}/export"]["get"]["parameters"]
    assert [p["schema"]["enum"] for p in query if p["name"] == "format"] == [list(FORMATS)]
    for fmt in FORMATS:
        response = api.get(f"/api/sessions/{sid}/export?format={fmt}")
        assert response.status_code == 200 and response.mimetype in EXPORT_CONTENT


@pytest.mark.parametrize("query", ["format=zip", "format=", "format=JSON"])
def test_bad_export_format(api, sid, query):
    assert_error(api.get(f"/api/sessions/{sid}/export?{query}"), 400, "invalid_choice", "format")

"""The page: served with versioned static URLs and no inline scripts (the CSP
allows scripts from this origin only)."""
from __future__ import annotations

import re
from html.parser import HTMLParser


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts, self.inline, self.handlers, self.links = [], [], [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]
        if tag == "script":
            self._in_script = True
            self.scripts.append(attrs.get("src"))
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline.append(data)


def test_page_is_served_with_its_headers(client):
    response = client.get("/", headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_page_has_no_inline_scripts_and_versioned_assets(app, client):
    page = Scripts()
    page.feed(client.get("/").get_data(as_text=True))
    assert page.scripts and None not in page.scripts, "every script has a src"
    assert page.inline == [] and page.handlers == [], "no inline code: the CSP would block it"
    prefix = app.extensions["crease"].assets.prefix
    for url in page.scripts + page.links:
        assert url.startswith(prefix), url
        assert client.get(url).status_code == 200, url
    assert any(re.search(r"/vendor/plotly\.min\.js$", url) for url in page.scripts)


def test_page_is_gzipped(client):
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"

"""Static files: Plotly.js from the plotly package, cache busting, gzip."""
from __future__ import annotations

import gzip

import pytest

from server.assets import Assets, collect, plotly_js

PLOTLY = "/static/vendor/plotly.min.js"


@pytest.fixture(scope="module")
def plotly_bytes():
    return plotly_js().read_bytes()


def test_plotly_comes_from_the_plotly_package(client, plotly_bytes):
    response = client.get(PLOTLY)
    assert response.status_code == 200
    assert response.data == plotly_bytes
    assert response.mimetype == "text/javascript"
    assert "plotly" in str(plotly_js()) and "package_data" in str(plotly_js())


def test_plotly_is_sent_gzipped_to_clients_that_accept_it(client, plotly_bytes):
    response = client.get(PLOTLY, headers={"Accept-Encoding": "gzip, deflate"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert len(response.data) < len(plotly_bytes) / 2
    assert gzip.decompress(response.data) == plotly_bytes


def test_unversioned_urls_are_cached_briefly_and_versioned_ones_for_years(app, client):
    assert client.get(PLOTLY).headers["Cache-Control"] == "max-age=60, public"
    with app.test_request_context():
        url = app.jinja_env.globals["static_url"]("vendor/plotly.min.js")
    assert url.startswith("/static/v-") and url.endswith("/vendor/plotly.min.js")
    response = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_static_file_is_served_at_its_versioned_url(app, client):
    assets = app.extensions["crease"].assets
    for rel, path in assets.files.items():
        response = client.get(assets.url(rel))
        assert response.status_code == 200, rel
        assert response.data == path.read_bytes(), rel


def test_static_url_refuses_files_that_do_not_exist(app):
    with pytest.raises(ValueError, match="no static file"):
        app.extensions["crease"].assets.url("js/missing.js")


def test_unknown_static_file_is_a_json_404(client):
    response = client.get("/static/js/missing.js")
    assert response.status_code == 404 and response.json["error"] == "not_found"


def make_tree(root, files):
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_version_changes_with_any_file_and_only_then(tmp_path):
    static, cache = tmp_path / "static", tmp_path / "cache"
    make_tree(static, {"js/main.js": "import './api.js';\n" * 50, "js/api.js": "export {};\n",
                       "css/app.css": "body{}", ".hidden": "x", "js/old.js.gz": "x"})
    first = Assets(static, cache)
    assert set(first.files) == {"js/main.js", "js/api.js", "css/app.css", "vendor/plotly.min.js"}
    assert Assets(static, cache).version == first.version
    (static / "js" / "api.js").write_text("export const x = 1;\n")
    second = Assets(static, cache)
    assert second.version != first.version
    assert second.url("js/api.js") == f"/static/v-{second.version}/js/api.js"


def test_cache_folder_holds_gzipped_copies(tmp_path):
    static, cache = tmp_path / "static", tmp_path / "cache"
    make_tree(static, {"js/main.js": "const a = 1;\n" * 200, "js/tiny.js": "1"})
    assets = Assets(static, cache)
    folder = assets.folder
    assert gzip.decompress((folder / "js/main.js.gz").read_bytes()) == (static / "js/main.js").read_bytes()
    assert not (folder / "js/tiny.js.gz").exists()          # would not shrink
    assert (folder / "vendor/plotly.min.js.gz").exists()
    assert (folder / "js/main.js").read_bytes() == (static / "js/main.js").read_bytes()


def test_collect_without_a_static_folder_still_has_plotly(tmp_path):
    assert set(collect(tmp_path / "absent")) == {"vendor/plotly.min.js"}

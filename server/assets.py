"""Static files through WhiteNoise: the page's own files and Plotly.js.

Plotly.js comes from the ``plotly`` package's bundled ``plotly.min.js``
(no CDN, so a classroom without internet works).  Every file is served at
two URLs:

- ``/static/<path>``: cached briefly (WhiteNoise's default, revalidated by ETag);
- ``/static/v-<version>/<path>``: cached for ten years, ``immutable``.

``version`` is a hash over the content of every static file, so any change
makes new URLs.  Templates use ``static_url(path)``; ES modules import each
other by relative paths and so stay inside the same versioned folder.

WhiteNoise serves ``<file>.gz`` when it exists next to the file, so gzipped
copies are written once per version into a cache folder (outside the repo),
next to symbolic links to the originals.
"""
from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from flask import Flask
from whitenoise import WhiteNoise

ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = ROOT / "static"
COMPRESSIBLE_SUFFIXES = {".js", ".mjs", ".css", ".html", ".svg", ".json", ".map", ".txt", ".md"}
_digests: dict[tuple[str, int, int], str] = {}


def plotly_js() -> Path:
    return Path(str(importlib.resources.files("plotly") / "package_data" / "plotly.min.js"))


def file_digest(path: Path) -> str:
    """sha256 of a file, remembered by (path, mtime, size) so that the 4.8 MB
    Plotly bundle is hashed once per process."""
    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _digests:
        with path.open("rb") as f:
            _digests[key] = hashlib.file_digest(f, "sha256").hexdigest()
    return _digests[key]


def collect(static_dir: Path) -> dict[str, Path]:
    """URL path under /static/ -> file.  Hidden files and .gz are left out."""
    files = {}
    if static_dir.is_dir():
        for path in sorted(static_dir.rglob("*")):
            rel = path.relative_to(static_dir).as_posix()
            if path.is_file() and not any(p.startswith(".") for p in rel.split("/")) \
                    and path.suffix not in (".gz", ".br"):
                files[rel] = path
    files["vendor/plotly.min.js"] = plotly_js()
    return files


def version_of(files: dict[str, Path]) -> str:
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(f"{rel}\0{file_digest(files[rel])}\n".encode())
    return h.hexdigest()[:12]


def build_cache(files: dict[str, Path], target: Path) -> Path:
    """Copies of every file plus gzipped ones, in ``target``; built once (in a
    scratch folder renamed into place, so concurrent workers agree).  Copies,
    not links: the folder is named by the content's hash, and a link would
    serve whatever the linked checkout holds later (another checkout with the
    same files at first, edited since)."""
    if (target / ".complete").exists():
        return target
    scratch = target.with_name(f"{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    for rel, path in files.items():
        dest = scratch / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        if path.suffix in COMPRESSIBLE_SUFFIXES:
            data = path.read_bytes()
            packed = gzip.compress(data, compresslevel=9, mtime=0)
            if len(packed) < 0.95 * len(data):
                Path(f"{dest}.gz").write_bytes(packed)
    (scratch / ".complete").touch()
    try:
        scratch.rename(target)
    except OSError:  # another process got there first
        shutil.rmtree(scratch, ignore_errors=True)
    return target


class Assets:
    """The static files of one app: their version, URLs and cache folder."""

    def __init__(self, static_dir: Path, cache_root: Path):
        self.files = collect(static_dir)
        self.version = version_of(self.files)
        self.prefix = f"/static/v-{self.version}/"
        self.folder = build_cache(self.files, cache_root / self.version)

    def url(self, path: str) -> str:
        if path not in self.files:
            raise ValueError(f"no static file {path!r}")
        return self.prefix + path

    def __repr__(self) -> str:
        return f"Assets(version={self.version!r}, files={len(self.files)})"


def init_app(app: Flask, cache_dir: str, extra_headers: dict[str, str]) -> Assets:
    cache_root = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "crease-static"
    cache_root.mkdir(parents=True, exist_ok=True)
    assets = Assets(STATIC_DIR, cache_root)

    def headers(headers, path, url):
        for name, value in extra_headers.items():
            headers[name] = value

    server = WhiteNoise(app.wsgi_app, add_headers_function=headers, allow_all_origins=False,
                        immutable_file_test=lambda path, url: url.startswith(assets.prefix))
    for rel in assets.files:
        cached = str(assets.folder / rel)
        server.add_file_to_dictionary(f"/static/{rel}", cached)
        server.add_file_to_dictionary(assets.prefix + rel, cached)
    app.wsgi_app = server
    app.add_template_global(assets.url, "static_url")
    return assets

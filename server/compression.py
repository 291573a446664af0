"""gzip for dynamic answers (JSON, HTML, exported scripts) when the client
accepts it.  Static files are compressed ahead of time (assets.py)."""
from __future__ import annotations

import gzip

from flask import Flask, Response, request

MIN_SIZE = 1024      # smaller answers gain little and cost a header
LEVEL = 1            # frames are mostly base64: level 6 saves 4% more for twice the time
COMPRESSIBLE = {"application/json", "text/html", "text/plain", "text/x-python"}


def init_app(app: Flask) -> None:
    @app.after_request
    def compress(response: Response) -> Response:
        if (response.mimetype not in COMPRESSIBLE or response.direct_passthrough
                or "Content-Encoding" in response.headers):
            return response
        response.vary.add("Accept-Encoding")
        if request.accept_encodings["gzip"] <= 0:
            return response
        body = response.get_data()
        if len(body) < MIN_SIZE:
            return response
        response.set_data(gzip.compress(body, compresslevel=LEVEL, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        return response

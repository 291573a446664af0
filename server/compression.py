"""gzip for dynamic answers (JSON, HTML, exported scripts) when the client
accepts it.  Static files are compressed ahead of time (assets.py)."""
from __future__ import annotations

import zlib

from flask import Flask, Response, request

MIN_SIZE = 1024      # smaller answers gain little and cost a header
LEVEL = 1            # frames are mostly base64: level 6 saves 4% more for twice the time
COMPRESSIBLE_TYPES = {"application/json", "text/html", "text/plain", "text/x-python"}
# JSON here is mostly frames, mostly base64 (already deflated grids, float32
# weights): Huffman coding alone gets nearly all there is to get from base64's
# 6 bits a character.  For a 17 KB frame: 4% more bytes than level 1's
# search for repeats, in 0.6 of the time.  Text keeps the search.
STRATEGY = {"application/json": zlib.Z_HUFFMAN_ONLY}
GZIP_WINDOW = 16 + zlib.MAX_WBITS   # a gzip header and trailer around the deflate stream


def gzip_bytes(body: bytes, mimetype: str) -> bytes:
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, GZIP_WINDOW, 8,
                              STRATEGY.get(mimetype, zlib.Z_DEFAULT_STRATEGY))
    return packer.compress(body) + packer.flush()


def init_app(app: Flask) -> None:
    @app.after_request
    def compress(response: Response) -> Response:
        if (response.mimetype not in COMPRESSIBLE_TYPES or response.direct_passthrough
                or "Content-Encoding" in response.headers):
            return response
        response.vary.add("Accept-Encoding")
        if request.accept_encodings["gzip"] <= 0:
            return response
        body = response.get_data()
        if len(body) < MIN_SIZE:
            return response
        response.set_data(gzip_bytes(body, response.mimetype))
        response.headers["Content-Encoding"] = "gzip"
        return response

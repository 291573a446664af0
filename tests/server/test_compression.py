"""How answers are gzipped (server/compression.py)."""
from __future__ import annotations

import base64
import gzip
import os

from server.compression import gzip_bytes


def test_every_kind_of_answer_is_valid_gzip_of_the_body():
    body = (b'{"grid":"' + base64.b64encode(os.urandom(6000)) + b'","weights":[0.5,1.5]}') * 2
    for mimetype in ("application/json", "text/html", "text/x-python"):
        assert gzip.decompress(gzip_bytes(body, mimetype)) == body


def test_json_is_huffman_coded_only_and_text_searched_for_repeats():
    """Frames are mostly base64, where searching for repeats gains little and
    costs most of the time; HTML and scripts repeat themselves."""
    repetitive = b'{"layer": 1, "units": 100}, ' * 500
    as_json, as_html = gzip_bytes(repetitive, "application/json"), gzip_bytes(repetitive, "text/html")
    assert len(as_html) < 200 < 1000 < len(as_json) < len(repetitive)
    b64 = base64.b64encode(os.urandom(12000))
    assert len(gzip_bytes(b64, "application/json")) < 0.8 * len(b64)   # base64's 6 bits a byte

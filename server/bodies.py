"""Request bodies held to MAX_CONTENT_LENGTH however they are sent, and an
uploaded data file read from one.

A body with a Content-Length over the limit is refused by Werkzeug before
it is read.  A chunked body has no length: Werkzeug reads it through a
stream that stops at the limit and reports the end of the body there, so a
larger one arrived cut short and was answered 400 ("EOF ... column 4194304")
or, as a form, parsed from its first part.  This stream looks one byte past
the limit instead: anything there makes the request a 413.  The rest of
such a body, up to the limit again, is read and dropped first: a server that
answers and closes while the client still sends makes the client's system
reset the connection, and the client never sees the 413.
"""
from __future__ import annotations

from flask import Request, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from .errors import ApiError, reading_body

DRAIN_PIECE = 64 * 1024
# what read_upload accepts, for the OpenAPI document
UPLOAD_CONTENT = {
    "text/plain": {"schema": {"type": "string"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}}}},
}


class BoundedStream(LimitedStream):
    """At most ``limit`` bytes of ``stream``; 413 when the client sent more.
    A body that ends before the limit just ends (the limit is a maximum)."""

    def __init__(self, stream, limit: int) -> None:
        super().__init__(stream, limit, is_max=True)

    def on_exhausted(self) -> None:
        if self._stream.read(1):
            left = self.limit
            while left > 0 and (piece := self._stream.read(min(DRAIN_PIECE, left))):
                left -= len(piece)
            raise RequestEntityTooLarge()

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted:
            self.on_exhausted()
        return data


class BoundedRequest(Request):
    @cached_property
    def stream(self):
        if self.shallow:
            raise RuntimeError("This request was created with 'shallow=True', reading from the "
                               "input stream is disabled.")
        limit = self.max_content_length
        if (self.content_length is None and limit is not None
                and self.environ.get("wsgi.input_terminated")):
            return BoundedStream(self.environ["wsgi.input"], limit)
        return get_input_stream(self.environ, max_content_length=limit)


def read_upload() -> bytes:
    """The uploaded file's bytes: multipart field ``file``, or the raw body."""
    if request.mimetype == "multipart/form-data":
        with reading_body():
            upload = request.files.get("file")
        if upload is None:
            raise ApiError(400, "missing_field", "file: send the data file in the field 'file'",
                           "file")
        return upload.read()
    if request.mimetype not in ("text/plain", "application/octet-stream", ""):
        raise ApiError(415, "unsupported_media_type",
                       "Send the data file as text/plain or multipart/form-data.")
    with reading_body():
        return request.get_data(cache=False)


def init_app(app) -> None:
    app.request_class = BoundedRequest

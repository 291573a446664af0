"""The one error shape, ``{"error": code, "message": text, "field": "a.b" | null}``.

Views raise ``ApiError``; everything else that can go wrong (unknown route,
body too large, rate limit, store down) is turned into the same shape here.
A traceback never reaches a client: the catch-all logs it and answers a
plain 500, and the tests check that bad input never gets that far.
"""
from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from typing import Iterator

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# HTTP status -> error code, for errors raised by Flask and Werkzeug.
HTTP_CODES = {
    400: "bad_request", 404: "not_found", 405: "method_not_allowed", 406: "not_acceptable",
    409: "conflict", 413: "too_large", 415: "unsupported_media_type", 429: "rate_limited",
}


class ApiError(Exception):
    """An answer other than success: status, machine-readable code, human message."""

    def __init__(self, status: int, error: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.error, self.message, self.field = status, error, message, field

    def __repr__(self) -> str:
        return f"ApiError({self.status}, {self.error!r}, {self.message!r}, field={self.field!r})"


class StoreUnavailable(Exception):
    """The session store does not answer (Redis down or unreachable)."""


class SessionBusy(Exception):
    """Another request holds the session's lock for longer than we wait."""


class StoreFull(Exception):
    """The store holds as many bytes as the operator allows; no new sessions."""

    def __init__(self, retry_after: int):
        super().__init__(f"store full; retry after {retry_after} s")
        self.retry_after = retry_after


class TooManySessions(Exception):
    """One client address already holds its most live sessions."""

    def __init__(self, limit: int, retry_after: int):
        super().__init__(f"{limit} live sessions from this address; retry after {retry_after} s")
        self.limit, self.retry_after = limit, retry_after


class SessionTooLarge(Exception):
    """A session's bytes would pass the per-session cap."""

    def __init__(self, size: int, limit: int):
        super().__init__(f"{size} bytes; at most {limit}")
        self.size, self.limit = size, limit


@contextmanager
def reading_body() -> Iterator[None]:
    """Around reading the request body: a body the WSGI server cannot read
    (a malformed chunked encoding, a client gone mid-body; gunicorn raises its
    own exception types for these) is the client's error, a 400."""
    try:
        yield
    except HTTPException:
        raise                                   # 413 and the like keep their status
    except Exception as e:                      # noqa: BLE001 - any server's read error
        log.info("unreadable request body: %s: %s", type(e).__name__, e)
        raise ApiError(400, "bad_request", "The request body could not be read "
                       "(malformed or cut short).") from None


def error_body(error: str, message: str, field: str | None = None) -> dict:
    return {"error": error, "message": message, "field": field}


def error_response(status: int, error: str, message: str, field: str | None = None,
                   headers: dict | None = None) -> Response:
    body = json.dumps(error_body(error, message, field), separators=(",", ":"))
    return Response(body, status=status, mimetype="application/json", headers=headers)


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(e: ApiError):
        return error_response(e.status, e.error, e.message, e.field)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        code = e.code or 500
        headers = {k: v for k, v in e.get_headers() if k.lower() in ("allow", "retry-after")}
        return error_response(code, HTTP_CODES.get(code, "http_error"), _message(e), None, headers)

    @app.errorhandler(StoreUnavailable)
    def store_down(e: StoreUnavailable):
        log.warning("session store unavailable: %s", e)
        return error_response(503, "store_unavailable",
                              "The session store is not answering; try again in a moment.",
                              headers={"Retry-After": "5"})

    @app.errorhandler(StoreFull)
    def store_full(e: StoreFull):
        log.warning("session store full: new sessions refused for %d s", e.retry_after)
        return error_response(503, "store_full", "The server holds as many sessions as it may "
                              "(REDIS_STORE_MB); try again later.",
                              headers={"Retry-After": str(e.retry_after)})

    @app.errorhandler(TooManySessions)
    def too_many_sessions(e: TooManySessions):
        return error_response(429, "too_many_sessions", f"This address already has {e.limit} live "
                              "sessions, the most this server keeps per address "
                              "(SESSIONS_PER_ADDRESS times CLIENTS_PER_ADDRESS); close a tab "
                              "or try again later.",
                              headers={"Retry-After": str(e.retry_after)})

    @app.errorhandler(SessionTooLarge)
    def session_too_large(e: SessionTooLarge):
        return error_response(413, "session_too_large", f"This session would take {e.size // 1024} "
                              f"KB; this server keeps at most {e.limit // 1024} KB per session "
                              "(SESSION_MAX_KB). Use fewer points or parameters.")

    @app.errorhandler(SessionBusy)
    def busy(e: SessionBusy):
        return error_response(409, "session_busy",
                              "Another request is working on this session; try again.")

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        log.exception("unexpected error")
        return error_response(500, "internal", "Something went wrong on the server.")


def _message(e: HTTPException) -> str:
    if e.code == 413:
        return "The request body is larger than this server accepts."
    if e.code == 404:
        return "No such page or API route."
    return e.description or e.name

"""What a hostile client can learn or break: security headers on every answer
(every route, its errors, static files, pages), rate limits that refuse
without doing the work, no debug page or traceback ever (in debug mode too,
and from real gunicorn on malformed HTTP), and session ids that can be
neither guessed nor listed."""
from __future__ import annotations

import collections
import io
import re
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.store import new_session_id

from .servers import Gunicorn

SECURITY = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Cross-Origin-Opener-Policy": "same-origin", "X-Frame-Options": "SAMEORIGIN"}
SHAPE = {"error", "message", "field"}
ID_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
SESSION = {"data": {"name": "moons", "n": 40}, "network": {"hidden": [3]}}


def assert_secure(response, where: str = "") -> None:
    for name, value in SECURITY.items():
        assert response.headers.get(name) == value, (where, name, response.status_code)
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self';" in policy and "object-src 'none'" in policy, (where, policy)
    assert "unsafe-eval" not in policy


def assert_no_internals(data: bytes, where: str = "") -> None:
    for leak in (b"Traceback", b'File "/', b"werkzeug", b"site-packages", b"Werkzeug Debugger"):
        assert leak not in data, (where, leak)


@pytest.fixture
def sid(client):
    response = client.post("/api/sessions", json=SESSION)
    assert response.status_code == 201
    return response.json["session"]


def concrete(rule: str, sid: str) -> str:
    path = re.sub(r"<(?:sid:)?(?:sid|eid)>", sid, rule)
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "no-such-thing", path)


# ---- headers --------------------------------------------------------------------------

def test_every_route_answers_with_the_security_headers(app, client, sid):
    """Each rule with each of its methods, a method it lacks, HEAD and OPTIONS,
    with an empty body: successes and 4xx alike carry the headers."""
    statuses = collections.Counter()
    for rule in app.url_map.iter_rules():
        path = concrete(rule.rule, sid if "sid" in rule.rule else new_session_id())
        if "<path:filename>" in rule.rule:
            path = "/static/js/main.js"
        for method in sorted(rule.methods | {"PATCH", "HEAD", "OPTIONS"}):
            response = client.open(path, method=method, data=b"")
            assert_secure(response, f"{method} {path}")
            assert_no_internals(response.get_data(), f"{method} {path}")
            assert response.status_code < 500, (method, path, response.status_code)
            statuses[response.status_code] += 1
    assert {200, 400, 404, 405} <= set(statuses), statuses


@pytest.mark.parametrize("path", ["/static/js/main.js", "/static/css/app.css", "/static/missing.js",
                                  "/static/../server/config.py", "/", "/nowhere", "/api/nowhere"])
def test_static_files_pages_and_unknown_paths(client, path):
    for encoding in ("identity", "gzip"):
        response = client.get(path, headers={"Accept-Encoding": encoding})
        assert_secure(response, path)
        assert b"SECRET_KEY" not in response.get_data()


def test_errors_of_every_kind_carry_the_headers(make_app, expect_internal_error):
    from .servers import free_port
    app = make_app(MAX_CONTENT_LENGTH=200, RATE_LIMIT="2 per minute")

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    client = app.test_client()
    answers = [client.post("/api/sessions", data=b"x" * 500, content_type="application/json"),  # 413
               client.post("/api/datafile", data=b"1 2 0", content_type="image/png"),          # 415
               client.get("/boom")]                                                              # 500
    answers += [client.get("/api/datasets") for _ in range(3)]                                  # 429
    down = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
    answers += [down.post("/api/sessions", json={}), down.get("/healthz")]                      # 503
    assert {r.status_code for r in answers} >= {413, 415, 500, 429, 503}
    for response in answers:
        assert_secure(response, str(response.status_code))


# ---- rate limits ----------------------------------------------------------------------

def test_past_the_limit_429_and_nothing_is_done(make_app):
    app = make_app(RATE_LIMIT="4 per minute")
    client = app.test_client()
    sid = client.post("/api/sessions", json=SESSION).json["session"]
    other = client.post("/api/sessions", json=SESSION).json["session"]
    steps = [client.post(f"/api/sessions/{sid}/advance", json={"steps": 1}) for _ in range(6)]
    assert [r.status_code for r in steps] == [200] * 4 + [429] * 2
    refused = steps[-1]
    assert set(refused.json) == SHAPE and refused.json["error"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert_secure(refused)
    # the refused requests trained nothing (read past the limit, which spans the
    # session's routes); another session has its own bucket
    assert app.extensions["crease"].sessions._load(sid).run.step == 4
    assert client.post(f"/api/sessions/{other}/advance", json={"steps": 1}).status_code == 200
    creates = [client.post("/api/sessions", json=SESSION).status_code for _ in range(4)]
    assert creates[-1] == 429                                         # per address


# ---- no debug page, no traceback --------------------------------------------------------

@pytest.mark.parametrize("debug", [False, True])
def test_internal_errors_never_show_internals(make_app, expect_internal_error, debug):
    app = make_app()
    app.debug = debug
    secret = "/srv/crease/secret_module.py password=hunter2"

    @app.get("/boom/<kind>")
    def boom(kind):
        raise {"runtime": RuntimeError, "key": KeyError, "recursion": RecursionError,
               "memory": MemoryError}[kind](secret)

    client = app.test_client()
    sid = client.post("/api/sessions", json=SESSION).json["session"]
    store = app.extensions["crease"].store
    store.get = lambda *_: (_ for _ in ()).throw(ValueError(secret))   # the store itself fails
    answers = [client.get(f"/boom/{kind}") for kind in ("runtime", "key", "recursion", "memory")]
    answers.append(client.post(f"/api/sessions/{sid}/advance", json={"steps": 1}))
    for response in answers:
        assert response.status_code == 500 and response.mimetype == "application/json"
        assert response.json == {"error": "internal", "message": "Something went wrong on the server.",
                                 "field": None}
        assert b"hunter2" not in response.data
        assert_no_internals(response.data)
        assert_secure(response)


def test_an_unreadable_body_is_a_400_not_a_500(client, sid):
    class Broken(io.BytesIO):
        def read(self, *args):
            raise RuntimeError("Invalid chunk size: b'zz'")   # what gunicorn raises, in kind

        readinto = readline = read

    for path in ("/api/sessions", f"/api/sessions/{sid}/advance", "/api/datafile"):
        response = client.post(path, input_stream=Broken(b"{}"), content_length=64,
                               content_type="text/plain" if "datafile" in path else "application/json")
        assert response.status_code == 400, (path, response.status_code)
        assert response.json["error"] == "bad_request" and set(response.json) == SHAPE
    upload = client.post("/api/datafile", input_stream=Broken(b"--x"), content_length=64,
                         content_type="multipart/form-data; boundary=x")
    assert upload.status_code == 400 and upload.json["error"] == "bad_request"


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    server = Gunicorn({"SECRET_KEY": "test", "LOG_LEVEL": "INFO", "RATE_LIMIT": ""},
                      tmp_path_factory.mktemp("exposure") / "gunicorn.log").start(timeout=60)
    yield server
    server.stop()


def raw_exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


MALFORMED = ["request line", "header", "long URI", "long header", "negative length",
             "bad chunk size", "negative chunk size", "body cut short"]


@pytest.mark.parametrize("request_bytes, status", [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
    (b"POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
    (b"POST /api/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
     b"Content-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", 400),
    (b"POST /api/datafile HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
     b"Content-Type: text/plain\r\n\r\n5\r\n1 2 0\r\n-3\r\n", 400),
    (b"POST /api/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
     b"Content-Length: 100\r\n\r\n{\"seed\"", 400),
], ids=MALFORMED)
def test_malformed_http_on_gunicorn_gets_a_plain_4xx(gunicorn, request_bytes, status):
    answer = raw_exchange(gunicorn.port, request_bytes)
    assert answer.startswith(b"HTTP/1.1 %d " % status), answer[:200]
    assert_no_internals(answer)
    assert b"500" not in answer.split(b"\r\n", 1)[0]
    assert "unexpected error" not in gunicorn.log_path.read_text()


def test_gunicorn_answers_carry_the_security_headers(gunicorn):
    for path in ("/", "/healthz", "/api/datasets", "/static/js/main.js", "/nowhere",
                 f"/api/sessions/{new_session_id()}"):
        answer = raw_exchange(gunicorn.port, f"GET {path} HTTP/1.1\r\nHost: x\r\n"
                              "Accept-Encoding: gzip\r\nConnection: close\r\n\r\n".encode())
        head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
        for name, value in SECURITY.items():
            assert f"{name.lower()}: {value.lower()}" in head, (path, name)
        assert "content-security-policy: default-src 'self'" in head, path


# ---- session ids ------------------------------------------------------------------------

def test_session_ids_are_long_random_and_unrelated(client):
    ids = [client.post("/api/sessions", json={**SESSION, "view": {"grid": 2}}).json["session"]
           for _ in range(60)]
    ids += [new_session_id() for _ in range(3000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) >= 22 and set(i) <= ID_ALPHABET for i in ids)   # >= 132 bits
    # consecutive ids share no more than chance does (no counter, no clock)
    common = [len(a) - len(a.lstrip(b[:1])) if a[:1] == b[:1] else 0 for a, b in zip(ids, ids[1:])]
    assert max(common) <= 4
    # every position of the 22 takes all 64 symbols about equally often (chi-square, 63 df)
    for position in range(21):                 # the last holds 2 bits only
        counts = collections.Counter(i[position] for i in ids)
        expected = len(ids) / 64
        chi2 = sum((counts.get(c, 0) - expected) ** 2 / expected for c in ID_ALPHABET)
        assert chi2 < 130, (position, chi2)    # p < 1e-6 under uniformity


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(guess=st.one_of(st.from_regex(r"\A[A-Za-z0-9_-]{16,64}\Z"), st.text(max_size=70)))
def test_guessed_ids_find_nothing(client, sid, guess):
    for method, suffix, body in (("GET", "", None), ("POST", "/advance", {"steps": 1}),
                                 ("DELETE", "", None)):
        response = client.open(f"/api/sessions/{guess}{suffix}".replace("#", "%23").replace("?", "%3F"),
                               method=method, json=body)
        assert response.status_code in (404, 405) or guess == sid, (guess, response.status_code)
        assert_secure(response)


def test_a_deleted_session_and_a_never_made_one_look_the_same(client, sid):
    assert client.delete(f"/api/sessions/{sid}").status_code == 204
    gone = client.get(f"/api/sessions/{sid}")
    never = client.get(f"/api/sessions/{new_session_id()}")
    assert gone.status_code == never.status_code == 404 and gone.json == never.json


def test_no_route_lists_sessions(app, client):
    sids = [client.post("/api/sessions", json=SESSION).json["session"] for _ in range(3)]
    assert client.get("/api/sessions").status_code == 405
    document = client.get("/api/openapi.json").json
    assert "get" not in document["paths"]["/api/sessions"]
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and "<" not in rule.rule:
            body = client.get(rule.rule).get_data()
            assert not any(s.encode() in body for s in sids), rule.rule

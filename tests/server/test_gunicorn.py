"""Real gunicorn with three workers on a real Redis: one session driven
through 200 requests, served by whichever worker takes each, ends with
exactly the steps, epochs and weights of the same run done in-process.
And what only gunicorn shows: chunked bodies over the limit, and the
answers gunicorn gives itself."""
from __future__ import annotations

import base64
import http.client
import json
import re
import socket
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest

from engine.network import layer_params
from engine.optim import OptimizerSpec
from engine.training import TrainConfig

from server.config import Config
from server.security import security_headers

from .cases import SMALL, in_process_run
from .servers import Gunicorn

BODY_LIMIT = 100_000
GUARDED = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


def call(base: str, method: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def gunicorn(redis_server, tmp_path_factory):
    env = {"REDIS_URL": redis_server.url, "WEB_CONCURRENCY": "3", "THREADS": "2", "SECRET_KEY": "test",
           "RATE_LIMIT": "", "LOG_LEVEL": "WARNING"}
    server = Gunicorn(env, tmp_path_factory.mktemp("gunicorn") / "gunicorn.log",
                      ("--access-logformat", 'pid=%(p)s "%(r)s" %(s)s')).start()
    yield server
    server.stop()


def test_three_workers_one_session_exact_counts_and_weights(gunicorn):
    base = gunicorn.url
    sid = call(base, "POST", "/api/sessions", SMALL)["session"]
    run = in_process_run()
    plan = [{"steps": 1}, {"steps": 4}, {"epochs": 1}, {"steps": 2}, {"epochs": 2}]
    total = 0
    for i in range(199):
        if i == 120:                       # change the rate mid-run: weights are kept
            call(base, "PATCH", f"/api/sessions/{sid}/training", {"lr": 0.05, "momentum": 0.5})
            run.set_config(TrainConfig(OptimizerSpec("sgd", 0.05, momentum=0.5), 3))
            continue
        amount = plan[i % len(plan)]
        frame = call(base, "POST", f"/api/sessions/{sid}/advance", amount)
        done, partial = frame["advance"]["steps_done"], frame["advance"]["partial"]
        total += done
        if "epochs" in amount and not partial:
            assert run.train_epochs(amount["epochs"]) == done
        else:
            assert run.train_steps(done) == done
            assert partial or done == amount["steps"]
        assert frame["counters"]["step"] == run.step and frame["counters"]["epoch"] == run.epoch

    final = call(base, "GET", f"/api/sessions/{sid}")["frame"]
    assert final["counters"] == {"step": run.step, "epoch": run.epoch,
                                 "batch_in_epoch": run.batch_in_epoch, "batches_per_epoch": 3}
    assert run.step == total > 400 and run.epoch > 150   # every step counted once, none lost
    exported = call(base, "GET", f"/api/sessions/{sid}/export?format=json")
    for layer, (W, W0) in zip(exported["weights"], layer_params(run.model)):
        assert np.array_equal(np.array(layer["W"]), W)          # float64, bit for bit
        assert np.array_equal(np.array(layer["W0"]), W0[:, 0])
    framed = base64.b64decode(final["weights"][0]["W"])
    assert framed == np.ascontiguousarray(layer_params(run.model)[0][0], dtype="<f8").tobytes()
    assert exported["history"]["train_loss"] == run.history["train_loss"]

    workers = set(re.findall(r"pid=<?(\d+)>? \"POST /api/sessions/\S+/advance",
                             gunicorn.log_path.read_text()))
    assert len(workers) >= 2, "one worker served everything: the test proves nothing about sharing"


def test_unknown_session_on_gunicorn_is_a_json_404(gunicorn):
    with pytest.raises(urllib.error.HTTPError) as caught:
        call(gunicorn.url, "GET", "/api/sessions/" + "z" * 22)
    assert caught.value.code == 404
    assert json.loads(caught.value.read())["error"] == "session_not_found"


def test_concurrent_tabs_across_workers_count_every_step_once(gunicorn):
    """Three clients drive one session at once; Redis's lock serialises them
    across processes, so the run is the same as 60 steps in a row."""
    base = gunicorn.url
    sid = call(base, "POST", "/api/sessions", SMALL)["session"]
    results, errors = [], []

    def tab():
        try:
            for _ in range(10):
                results.append(call(base, "POST", f"/api/sessions/{sid}/advance", {"steps": 2}))
        except Exception as e:   # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=tab) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(f["counters"]["step"] for f in results) == list(range(2, 62, 2))
    run = in_process_run()
    run.train_steps(60)
    exported = call(base, "GET", f"/api/sessions/{sid}/export?format=json")
    assert all(np.array_equal(np.array(layer["W"]), W)
               for layer, (W, _) in zip(exported["weights"], layer_params(run.model)))


@pytest.fixture(scope="module")
def memory_gunicorn(tmp_path_factory):
    env = {"SECRET_KEY": "test", "RATE_LIMIT": "", "LOG_LEVEL": "WARNING",
           "MAX_CONTENT_LENGTH": str(BODY_LIMIT)}
    server = Gunicorn(env, tmp_path_factory.mktemp("gunicorn") / "gunicorn.log").start()
    yield server
    server.stop()


def send_chunked(server: Gunicorn, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        pieces = (body[i:i + 8192] for i in range(0, len(body), 8192))
        connection.request("POST", path, body=pieces, encode_chunked=True,
                           headers={"Content-Type": content_type, "Transfer-Encoding": "chunked"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def padded_create(size: int) -> bytes:
    """A valid create body of exactly ``size`` bytes (spaces are JSON whitespace)."""
    raw = json.dumps(SMALL).encode()
    return raw[:-1] + b" " * (size - len(raw)) + b"}"


# up to twice the limit the server reads the rest before answering, so the client sees the 413
@pytest.mark.parametrize("size, status", [(BODY_LIMIT, 201), (BODY_LIMIT + 1, 413),
                                          (2 * BODY_LIMIT, 413)])
def test_a_chunked_body_over_the_limit_is_413(memory_gunicorn, size, status):
    answer_status, answer = send_chunked(memory_gunicorn, "/api/sessions", padded_create(size),
                                         "application/json")
    assert answer_status == status, answer[:200]
    if status == 413:
        assert json.loads(answer)["error"] == "too_large"


def test_a_chunked_upload_over_the_limit_is_413(memory_gunicorn):
    rows = b"".join(b"%d,%d,%d\n" % (i % 7, i % 5, i % 2) for i in range(25_000))
    assert BODY_LIMIT < len(rows) < 2 * BODY_LIMIT - 200
    boundary = "crease-test"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + rows + f"\r\n--{boundary}--\r\n".encode()
    status, answer = send_chunked(memory_gunicorn, "/api/datafile", body,
                                  f"multipart/form-data; boundary={boundary}")
    assert status == 413, answer[:200]
    status, answer = send_chunked(memory_gunicorn, "/api/datafile", rows, "text/plain")
    assert status == 413, answer[:200]


def raw_exchange(server: Gunicorn, request: bytes) -> tuple[int, dict[str, str]]:
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(request)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:])
    return int(head[0].split()[1]), headers


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),          # request line
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),  # one header
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120))
     + b"\r\n", 431),                                                              # too many
    (b"G\x01T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),                                # malformed
])
def test_gunicorns_own_answers_carry_the_security_headers(memory_gunicorn, request_bytes, status):
    answered, headers = raw_exchange(memory_gunicorn, request_bytes)
    assert answered == status
    expected = security_headers(Config.from_mapping({}))
    assert {name: headers.get(name) for name in GUARDED} == {name: expected[name] for name in GUARDED}

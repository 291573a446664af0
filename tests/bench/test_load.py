"""The load benchmark's own parts: /proc readings against known processes,
percentiles, and one short real run that must clean up after itself."""
from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest

from bench import load, pacing, procstat
from tests.server.servers import require_redis_server


def test_percentiles_interpolate_between_order_statistics():
    values = [float(v) for v in range(1, 101)]
    assert load.percentile(values, 50) == 50.5
    assert load.percentile(values, 99) == pytest.approx(99.01)
    assert load.percentile([3.0], 95) == 3.0
    assert load.percentile([], 50) != load.percentile([], 50)      # NaN


def test_cpu_and_memory_of_a_busy_child_and_its_children(tmp_path):
    """A parent that sleeps and a child that spins for 0.6 s of CPU (however
    long that takes on a busy machine): the monitor gives the group about
    0.6 s of CPU, two processes and the child's memory."""
    done = tmp_path / "done"
    script = ("import os, time\n"
              "if os.fork() == 0:\n"
              "    block = bytearray(50 * 2**20)\n"            # 50 MB, touched
              "    time.sleep(0.5)\n"                          # seen by the monitor first
              "    start = time.process_time()\n"
              "    while time.process_time() - start < 0.6: pass\n"
              f"    open({str(done)!r}, 'w').close()\n"
              "    time.sleep(30); os._exit(0)\n"
              "time.sleep(30)\n")
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        monitor = procstat.Monitor(interval=0.1)
        monitor.watch("tree", [parent.pid], with_children=True)
        monitor.start()
        deadline = time.monotonic() + 30
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        usage = monitor.stop()
    finally:
        for child in procstat.children(parent.pid):
            os.kill(child, 9)
        parent.kill()
        parent.wait()
    assert done.exists()
    assert 0.55 <= usage["tree"].cpu_seconds <= 1.2, usage["tree"]
    assert usage["tree"].peak_rss > 50 * 2 ** 20
    assert usage["tree"].processes == 2
    assert usage["machine"].cpu_seconds >= usage["tree"].cpu_seconds * 0.9


class FakeServer:
    """Answers sessions and advances the way the app does, as busy as told, and
    keeps each advance's arrival time and body."""

    def __init__(self, load: str):
        self.load, self.advances, self.epoch = load, [], 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path == "/api/sessions":
                    self.answer(201, {"session": "s1"})
                    return
                outer.advances.append((time.perf_counter(), body))
                outer.epoch += body["epochs"]
                self.answer(200, {"counters": {"step": 40 * outer.epoch, "epoch": outer.epoch},
                                  "advance": {"steps_done": 40 * body["epochs"], "partial": False}})

            def answer(self, status, doc):
                data = json.dumps(doc, separators=(",", ":")).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Crease-Busy", outer.load)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def play(self, seconds: float, paced: bool = True) -> load.Student:
        play, start = threading.Event(), time.perf_counter()
        student = load.Student(0, self.port, load.Scenario(students=1, paced=paced), start, play,
                               [start + seconds])
        student.start()
        play.set()
        student.join(seconds + 10)
        self.server.shutdown()
        return student


@pytest.mark.parametrize("paced", [True, False])
def test_a_student_paces_itself_as_the_page_does_while_the_server_says_busy(paced):
    server = FakeServer("3.00")
    student = server.play(2.5, paced)
    asked = [body["epochs"] for _, body in server.advances]
    assert student.errors == {} and len(asked) >= 8
    if not paced:          # the baseline ignores the signal
        assert set(asked) == {1}
        return
    assert asked[:3] == [1, 1, 1] and asked[3] >= 2 and asked[-1] >= 4, asked
    assert asked == sorted(asked)      # busy all along: only ever slower
    # as slow as the rule goes: its last level, or one more step would pass the floor of frames a second
    slowest = student.pacing.level == pacing.MAX_LEVEL or \
        student.pacing.interval_ms * pacing.MIN_STEP > pacing.MAX_INTERVAL_MS
    assert slowest and student.pacing.interval_ms <= pacing.MAX_INTERVAL_MS, (asked, student.pacing.interval_ms)
    # frames no closer together than the pace asked (the last interval is the longest)
    gaps = [b[0] - a[0] for a, b in zip(server.advances[-3:], server.advances[-2:])]
    assert min(gaps) >= 0.9 * student.pacing.interval_ms / 1000, (gaps, student.pacing.interval_ms)


def test_a_calm_server_leaves_the_student_at_full_pace():
    server = FakeServer("0.20")
    student = server.play(0.8)
    assert {body["epochs"] for _, body in server.advances} == {1} and student.pacing.level == 0
    assert len(server.advances) >= 8


def test_a_student_asks_for_what_the_page_asks_for():
    # contract.js viewFor: the creases readout whenever there are hidden
    # layers, thumbnails on every THUMB_EVERY-th frame of play (session.js)
    views = [load.Scenario().view(5, frame) for frame in range(2 * load.THUMB_EVERY)]
    assert all("regions" in v["include"] and v["since_epoch"] == 5 and v["grid"] == 100 for v in views)
    assert [i for i, v in enumerate(views) if "thumbnails" in v["include"]] == [3, 7]
    assert load.Scenario(hidden=(), thumbnails=False).view(0)["include"] == []


def test_parse_amount():
    assert load.parse_amount("epochs=2") == {"epochs": 2}
    assert load.parse_amount("steps=40") == {"steps": 40}
    for bad in ("epochs", "epochs=0", "laps=3", "steps=-1"):
        with pytest.raises(Exception):
            load.parse_amount(bad)


@pytest.mark.redis
@pytest.mark.slow
def test_a_short_run_reports_and_leaves_nothing_running(tmp_path):
    require_redis_server()
    out, marker = tmp_path / "load.json", f"CREASE_LOAD_TEST={uuid.uuid4().hex}"
    subprocess.run([sys.executable, "-m", "bench.load", "--students", "3", "--seconds", "2",
                    "--hidden", "8", "--no-thumbnails", "--json", str(out)],
                   check=True, timeout=120, capture_output=True,
                   env={**os.environ, marker.split("=")[0]: marker.split("=")[1]})
    report = json.loads(out.read_text())
    (run,) = report["runs"]
    assert run["students"] == 3 and run["workers"] == 2 and run["errors"] == {}
    assert run["frames"] > 6 and run["fps"] == pytest.approx(run["frames"] / run["seconds"], rel=0.01)
    assert 0 < run["latency_ms"]["p50"] <= run["latency_ms"]["p95"] <= run["latency_ms"]["p99"]
    assert run["steps_per_s"] >= run["fps"] * 0.9 and 0 <= run["partial_frames"] <= run["frames"]
    assert run["paced"] is True and 0 <= run["busy_share"] <= 1 and 0 <= run["paced_share"] <= 1
    assert run["epochs_per_s_per_student"]["mean"] >= run["epochs_per_s_per_student"]["min"] > 0
    assert run["cpu_percent"]["gunicorn"] > 0 and run["rss_mb"]["gunicorn"] > 20
    assert run["rss_mb"]["redis"] > 0 and run["server_cpu_ms_per_frame"] > 0
    assert "cores" in report["machine"] and report["date"]
    assert processes_with(marker.encode()) == []       # its gunicorn and redis-server are gone
    probe = subprocess.Popen(["sleep", "30"], env={**os.environ, "PROBE": marker})
    try:                                               # ... and the check would have seen them
        # (until the child has exec'd, /proc shows the parent's environment: wait for it)
        deadline = time.monotonic() + 10
        while processes_with(marker.encode()) != [probe.pid] and time.monotonic() < deadline:
            time.sleep(0.01)
        assert processes_with(marker.encode()) == [probe.pid]
    finally:
        probe.kill()
        probe.wait()


def processes_with(text: bytes) -> list[int]:
    """Pids whose environment holds ``text`` (children inherit it)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if text in f.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found

"""The memory store's worker RSS against MAX_STORE_MB: what an operator can rely on.

    python -m bench.store_rss [--store-mb 128] [--sessions 0] [--json FILE]

Starts gunicorn (the project's gunicorn.conf.py, memory store: one worker,
four threads) on a free port of 127.0.0.1 with MAX_STORE_MB set, then fills
the store with sessions at the limits (10,000 points, 86,000 parameters,
Adam: 2.1 MB each) until it has evicted as many as it holds, driving each
the way a page does (create, advance, GET, export), and reads the worker's
RSS from /proc before the first session and after every one.  It prints
the idle RSS, the peak, the store's own count of bytes and the overhead:
peak RSS minus MAX_STORE_MB.  ``--sessions`` sets how many to make (0: four
store-fulls).  The bound README.md gives is ``MAX_STORE_MB + overhead``.
"""
from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tests.server.servers import Gunicorn

from .procstat import children, rss_bytes

MB = 2**20
# at the default limits: 10,000 points, 8 x 110 units (86,000 parameters), Adam
BIG = {"data": {"source": "generated", "name": "spiral_k", "n": 10000, "classes": 8, "val_share": 0.2},
       "network": {"hidden": [110] * 8},
       "training": {"optimizer": "adam", "batch_size": 10000}, "view": {"grid": 2}}
VIEW = {"grid": 2}


@dataclass
class Figures:
    store_mb: int
    sessions: int
    idle_rss_mb: float
    peak_rss_mb: float
    final_rss_mb: float
    overhead_mb: float            # peak RSS - MAX_STORE_MB
    samples_mb: list[float] = field(default_factory=list)


def request(conn: http.client.HTTPConnection, method: str, path: str, body: dict | None = None):
    conn.request(method, path, None if body is None else json.dumps(body),
                 {"Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
    return json.loads(data) if response.getheader("Content-Type", "").startswith("application/json") else data


def drive(port: int, worker: int, store_mb: int, sessions: int,
          progress=lambda figures: None) -> Figures:
    """Make ``sessions`` big sessions on the server at ``port`` and sample the worker's RSS."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    figures = Figures(store_mb, sessions, rss_bytes(worker) / MB, 0.0, 0.0, 0.0)
    made = []
    try:
        for i in range(sessions):
            sid = request(conn, "POST", "/api/sessions", {**BIG, "seed": i})["session"]
            made.append(sid)
            request(conn, "POST", f"/api/sessions/{sid}/advance", {"steps": 1, "view": VIEW})
            request(conn, "GET", f"/api/sessions/{sid}")
            request(conn, "GET", f"/api/sessions/{sid}/export")
            # a page coming back to an older session: read back, decoded again
            older = made[len(made) // 2]
            conn.request("GET", f"/api/sessions/{older}")
            conn.getresponse().read()
            figures.samples_mb.append(round(rss_bytes(worker) / MB, 1))
            progress(figures)
    finally:
        conn.close()
    figures.peak_rss_mb = max(figures.samples_mb)
    figures.final_rss_mb = figures.samples_mb[-1]
    figures.overhead_mb = round(figures.peak_rss_mb - store_mb, 1)
    return figures


def start(store_mb: int, log_dir: Path) -> tuple[Gunicorn, int]:
    env = {"MAX_STORE_MB": str(store_mb), "SECRET_KEY": "bench", "RATE_LIMIT": "", "LOG_LEVEL": "WARNING",
           "THREADS": "4", "ADVANCE_BUDGET_MS": "60000"}
    server = Gunicorn(env, log_dir / "gunicorn.log").start(timeout=60)
    deadline = time.monotonic() + 10
    while not (workers := children(server.proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    (worker,) = workers
    return server, worker


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store-mb", type=int, default=128)
    parser.add_argument("--sessions", type=int, default=0)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    sessions = args.sessions or 4 * (args.store_mb * MB // int(2.1 * MB) + 1)
    with tempfile.TemporaryDirectory() as tmp:
        server, worker = start(args.store_mb, Path(tmp))
        try:
            figures = drive(server.port, worker, args.store_mb, sessions,
                            lambda f: print(f"  {len(f.samples_mb):4d} sessions  RSS {f.samples_mb[-1]:7.1f} MB",
                                            file=sys.stderr, flush=True))
        finally:
            server.stop()
    print(f"MAX_STORE_MB={figures.store_mb}: {figures.sessions} sessions of ~2.1 MB; worker RSS idle "
          f"{figures.idle_rss_mb:.0f} MB, peak {figures.peak_rss_mb:.0f} MB, last {figures.final_rss_mb:.0f} MB; "
          f"overhead over MAX_STORE_MB {figures.overhead_mb:.0f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(asdict(figures), indent=1))


if __name__ == "__main__":
    main()

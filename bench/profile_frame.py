"""Where a frame's server time goes: pyinstrument over the load benchmark's request.

    python -m bench.profile_frame [--frames 200] [--redis] [--html FILE]

The request is bench.load's (2-100-10-3 on 400 points, one epoch, thumbnails,
100x100 grid, gzip accepted), sent through Flask's test client so the
profile holds the whole app: validation, rate limiting, the store (a
throwaway redis-server with --redis), training, the frame, JSON and gzip.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # as gunicorn.conf.py sets it

import argparse      # noqa: E402
import shutil        # noqa: E402
import tempfile      # noqa: E402
import time          # noqa: E402
from pathlib import Path  # noqa: E402

from pyinstrument import Profiler  # noqa: E402

from server import create_app      # noqa: E402

from .load import Scenario         # noqa: E402


def profile(client, frames: int, scenario: Scenario) -> tuple[Profiler, float]:
    created = client.post("/api/sessions", json=scenario.create_body(1))
    assert created.status_code == 201, created.json
    sid, epoch = created.json["session"], 0
    for _ in range(10):   # warm up: caches, a trained-looking boundary
        epoch = client.post(f"/api/sessions/{sid}/advance",
                            json={**scenario.amount, "view": scenario.view(epoch)}).json["counters"]["epoch"]
    profiler = Profiler(interval=0.0002)
    started = time.perf_counter()
    profiler.start()
    for _ in range(frames):
        response = client.post(f"/api/sessions/{sid}/advance",
                               json={**scenario.amount, "view": scenario.view(epoch)},
                               headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
        epoch += scenario.amount.get("epochs", 0)
    profiler.stop()
    return profiler, (time.perf_counter() - started) / frames * 1000


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_frame",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--redis", action="store_true", help="a real Redis as the store")
    parser.add_argument("--html", type=Path, help="also write pyinstrument's HTML here")
    args = parser.parse_args(argv)
    settings = {"SECRET_KEY": "bench", "LOG_LEVEL": "WARNING", "ADVANCE_BUDGET_MS": "10000",
                "RATE_LIMIT": "100000 per second", "ADDRESS_RATE_LIMIT": ""}
    redis_server = None
    with tempfile.TemporaryDirectory(prefix="crease-profile-") as tmp:
        try:
            if args.redis:
                from tests.server.servers import RedisServer
                redis_server = RedisServer(shutil.which("redis-server"), Path(tmp)).start()
                settings["REDIS_URL"] = redis_server.url
            client = create_app(settings).test_client()
            profiler, ms = profile(client, args.frames, Scenario())
        finally:
            if redis_server is not None:
                redis_server.stop()
    print(f"{args.frames} frames, {ms:.2f} ms each (wall, under the profiler), "
          f"{'Redis' if args.redis else 'memory'} store")
    print(profiler.output_text(unicode=False, color=False))
    if args.html:
        args.html.write_text(profiler.output_html())


if __name__ == "__main__":
    main()

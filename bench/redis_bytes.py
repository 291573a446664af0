"""Redis bytes per session: what REDIS_STORE_MB and SESSION_MAX_KB bound.

    python -m bench.redis_bytes [--small 200] [--large 10]

Starts its own redis-server on a free port of 127.0.0.1, creates sessions
through the app (the defaults of ``POST /api/sessions {}``, then the largest
the default limits allow: Adam, 2-256-256-120-8, 10,000 points, after 20
steps) and reports, per kind: the session's blob bytes (what the app counts
against REDIS_STORE_MB), Redis' ``used_memory`` per session, and the
difference (keys, expiry, the app's size and owner bookkeeping, allocator
rounding).
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import redis

KINDS = {
    "default": {},
    "largest": {"data": {"source": "generated", "name": "spiral_k", "n": 10_000, "classes": 8,
                         "val_share": 0.1, "seed": 1},
                "network": {"hidden": [256, 256, 120]}, "training": {"optimizer": "adam"}},
}


def measure(url: str, kind: str, count: int) -> dict:
    from server import create_app
    app = create_app({"SECRET_KEY": "bench", "LOG_LEVEL": "WARNING", "RATE_LIMIT": "",
                      "REDIS_URL": url, "SESSIONS_PER_ADDRESS": count + 1,
                      "ADVANCE_BUDGET_MS": "60000"})
    client, db = app.test_client(), redis.Redis.from_url(url)
    db.flushdb()
    before = db.info("memory")["used_memory"]
    for _ in range(count):
        answer = client.post("/api/sessions", json={**KINDS[kind], "view": {"grid": 4}})
        assert answer.status_code == 201, answer.json
        client.post(f"/api/sessions/{answer.json['session']}/advance",
                    json={"steps": 20, "view": {"grid": 4}})
    used = db.info("memory")["used_memory"] - before
    blob = int(db.get("crease:bytes")) / count
    return {"kind": kind, "sessions": count, "blob": blob, "redis": used / count,
            "overhead": used / count - blob}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.redis_bytes",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=200, help="default sessions to create")
    parser.add_argument("--large", type=int, default=10, help="largest sessions to create")
    args = parser.parse_args(argv)
    from tests.server.servers import RedisServer, require_redis_server
    with tempfile.TemporaryDirectory(prefix="crease-redis-bytes-") as tmp:
        server = RedisServer(require_redis_server(), Path(tmp)).start()
        try:
            rows = [measure(server.url, "default", args.small),
                    measure(server.url, "largest", args.large)]
        finally:
            server.stop()
    print("| session | count | blob bytes | Redis bytes each | overhead each |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['kind']} | {r['sessions']} | {r['blob']:,.0f} | {r['redis']:,.0f} | "
              f"{r['overhead']:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

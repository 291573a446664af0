"""The memory store's worker stays within MAX_STORE_MB plus a constant, on
real gunicorn (four threads), with sessions whose decoded runs are far
larger than their bytes (bench/store_rss.py measures it at the limits)."""
from __future__ import annotations

import pytest

from bench.procstat import children, rss_bytes
from server.session_cache import MAX_BYTES as DECODED_MAX_BYTES

from .test_faults import connect, start_gunicorn  # noqa: F401 - connect is a fixture

MB = 2**20
STORE_MB = 8
# 2,000 points through 200 x 200 units: 0.7 MB saved, 16 MB decoded (each
# layer's activations over the training set, kept for the next step)
MID = {"data": {"n": 2000}, "network": {"hidden": [200, 200]}, "view": {"grid": 2}}
# one such request's working memory, kept by the allocator for the next
WORKING_MB = 48


@pytest.mark.slow
def test_worker_rss_stays_within_the_store_bound_plus_a_constant(tmp_path, connect):  # noqa: F811
    server = start_gunicorn(tmp_path, "memory-bound", MAX_STORE_MB=STORE_MB, THREADS=4,
                            ADVANCE_BUDGET_MS=60_000)
    try:
        (worker,) = children(server.proc.pid)
        client = connect(server, timeout=60)
        bound = STORE_MB + DECODED_MAX_BYTES / MB + WORKING_MB
        made, samples = [], []
        for i in range(3 * STORE_MB * MB // (700 * 1024)):       # three store-fulls
            sid = client.ok("POST", "/api/sessions", {**MID, "seed": i}, 201)["session"]
            made.append(sid)
            client.ok("POST", f"/api/sessions/{sid}/advance", {"steps": 1, "view": {"grid": 2}})
            client.ok("GET", f"/api/sessions/{sid}")
            client("GET", f"/api/sessions/{made[len(made) // 2]}")   # an older one read back
            samples.append(rss_bytes(worker) / MB)
            if i == 0:
                baseline = samples[0]
            assert samples[-1] - baseline <= bound, (f"{samples[-1] - baseline:.0f} MB over the first "
                                                     f"session's {baseline:.0f} MB", samples)
        assert client("GET", f"/api/sessions/{made[0]}")[0] == 404     # the store did evict
        assert client("GET", f"/api/sessions/{made[-1]}")[0] == 200
    finally:
        server.stop()

"""The worst request time an operator can rely on: the issue-13 heavy
requests, each the heaviest the default limits and budgets allow, timed
through the app (gzip as browsers ask for it).

    python -m bench.worst [--repeats 3]

One BLAS thread, as gunicorn.conf.py sets it.  Prints each request's
slowest time of ``--repeats`` (wall clock, and CPU time of this process: on
a shared machine the wall clock also counts waiting for a core), what the budgets made of it (degraded grid,
partial training, refusal) and the slowest overall.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse   # noqa: E402
import time       # noqa: E402

from server import create_app   # noqa: E402
from server.config import Config   # noqa: E402

BIG = {"data": {"source": "generated", "name": "circle", "n": 10_000},
       "network": {"hidden": [256, 256, 127]}}
VIEW = {"grid": 200, "thumb": 64,
        "include": ["curves", "thumbnails", "regions", "probs", "points", "active"]}
EIGHT = {"data": {"source": "generated", "name": "clusters", "n": 8},
         "architectures": [[256, 256, 128]] * 8, "epochs": 1, "trials": 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    config = Config()
    app = create_app({"SECRET_KEY": "bench", "RATE_LIMIT": ""})
    client = app.test_client()
    gzip = {"Accept-Encoding": "gzip"}
    sid = client.post("/api/sessions", json={**BIG, "view": {"grid": 10}}).json["session"]
    full = client.post("/api/sessions", json={**BIG, "view": {"grid": 10},
                                              "training": {"batch_size": 10_000}}).json["session"]
    status = client.post("/api/experiments", json=EIGHT).json
    eid = status["experiment"]
    for part in status["parts"]:
        client.post(f"/api/experiments/{eid}/advance", json={"part": part["part"]})
    cases = [
        ("create, every extra", "POST", "/api/sessions", {**BIG, "view": VIEW}),
        ("advance 100 epochs", "POST", f"/api/sessions/{sid}/advance", {"epochs": 100, "view": VIEW}),
        ("frame, every extra", "POST", f"/api/sessions/{sid}/frame", {"view": VIEW}),
        ("full-batch step", "POST", f"/api/sessions/{full}/advance", {"steps": 1}),
        ("8 results at grid 200", "GET", f"/api/experiments/{eid}/results?grid=200", None),
        ("datafile, 4 MB blank", "POST", "/api/datafile", "0 0 0\n1 1 1\n" + "\n" * 4_000_000),
    ]
    print(f"budgets: ADVANCE_BUDGET_MS={config.advance_budget_ms} "
          f"FRAME_BUDGET_MS={config.frame_budget_ms}")
    worst = worst_cpu = 0.0
    for name, method, path, body in cases:
        times, cpus = [], []
        for _ in range(repeats):
            kwargs = {"data": body, "content_type": "text/plain"} if isinstance(body, str) \
                else {"json": body}
            start, cpu = time.perf_counter(), time.process_time()
            r = client.open(path, method=method, headers=gzip, **kwargs)
            times.append((time.perf_counter() - start) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        answer = r.get_json(silent=True) if r.headers.get("Content-Encoding") != "gzip" else None
        if answer is None and r.headers.get("Content-Encoding") == "gzip":
            import gzip as gz, json
            answer = json.loads(gz.decompress(r.data))
        frame = answer.get("frame", answer) if isinstance(answer, dict) else {}
        note = (frame.get("error") or
                (f"drawn at grid {frame['degraded']['drawn']['grid']}" if frame.get("degraded") else "as asked"))
        if frame.get("advance"):
            note += f", {frame['advance']['steps_done']} steps, partial {frame['advance']['partial']}"
        worst, worst_cpu = max(worst, max(times)), max(worst_cpu, max(cpus))
        print(f"{name:24s} {r.status_code}  slowest {max(times):7.1f} ms, CPU {max(cpus):7.1f} ms  "
              f"({note})")
    print(f"worst: {worst:.0f} ms, CPU {worst_cpu:.0f} ms")


if __name__ == "__main__":
    main()

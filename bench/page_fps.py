"""Frames per second of the playing page, measured in Chromium.

    python -m bench.page_fps [--seconds 10] [--query "hidden=100,10&act=relu,relu&data=three_clusters"]

Starts the app under gunicorn (memory store) on a free port, opens the page
in Debian's Chromium, plays 2-100-10-3 on 400 points (300 training + 100
validation) for the given seconds, and prints frames per second and where a
frame's time goes, from the page's own performance measures (with the load
average: the server, Chromium and this script share the machine's cores):

- server: the Server-Timing of each advance (training, geometry, store);
- network: the rest of the request, from send to parsed JSON;
- decode: base64 + inflate of the frame;
- plane / network diagram / curves: Plotly.react and the canvas/SVG updates
  (the curves are redrawn only a few times a second while playing; their row
  says how long one redraw takes).

The page overlaps the server's work on frame n+1 with drawing frame n, so the
frame interval is close to the larger of the two, not their sum. The page asks
for at most trainer.MAX_FPS frames per second. A benchmark, not a test: it
prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.live_server import start_app

DEFAULT_QUERY = "hidden=100,10&act=relu,relu&data=three_clusters&n=400&val=0.25"

# Collects the page's measures from the start, without touching its own buffer.
COLLECT = """
window.__bench = {measures: [], frames: []};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.entryType === 'mark' && e.name === 'crease:frame') window.__bench.frames.push(e.startTime);
    else if (e.entryType === 'measure' && e.name.startsWith('crease:'))
      window.__bench.measures.push({name: e.name, start: e.startTime, duration: e.duration, server: e.detail?.serverMs ?? null});
  }
}).observe({entryTypes: ['mark', 'measure']});
"""

PARTS = [("server", "server"), ("network + JSON", "network"), ("decode", "crease:decode"),
         ("plane (Plotly.react)", "crease:react-plane"), ("network diagram", "crease:draw-network"),
         ("curves (Plotly.react)", "crease:react-curves")]


def summarise(measures: list[dict], frames: list[float], t0: float, t1: float) -> dict:
    inside = [m for m in measures if t0 <= m["start"] <= t1]
    parts: dict[str, list[float]] = {}
    for m in inside:
        if m["name"] == "crease:fetch":
            if m["server"] is not None:
                parts.setdefault("server", []).append(m["server"])
                parts.setdefault("network", []).append(m["duration"] - m["server"])
        else:
            parts.setdefault(m["name"], []).append(m["duration"])
    shown = [f for f in frames if t0 <= f <= t1]
    intervals = [b - a for a, b in zip(shown, shown[1:])]
    return {"frames": len(shown), "seconds": (t1 - t0) / 1000, "parts": parts, "intervals": intervals}


def run(seconds: float, query: str, width: int, height: int) -> dict:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        server = start_app(Path(tmp) / "gunicorn.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS,
                                            env={"HOME": tmp, "TMPDIR": tmp})
                page = browser.new_page(viewport={"width": width, "height": height})
                page.add_init_script(COLLECT)
                page.goto(f"{server.url}/?{query}")
                page.wait_for_selector("body[data-ready=true]", timeout=30_000)
                page.wait_for_function("() => window.crease.idle()")
                page.get_by_test_id("play").click()
                time.sleep(1.0)   # warm-up: JIT, first Plotly layouts
                t0 = page.evaluate("performance.now()")
                time.sleep(seconds)
                t1 = page.evaluate("performance.now()")
                page.get_by_test_id("play").click()
                page.wait_for_function("() => window.crease.idle()")
                data = page.evaluate("window.__bench")
                layers = page.evaluate("window.crease.session.frame.layers.map(l => l.units)")
                epoch = page.get_by_test_id("epoch-count").text_content()
                browser.close()
        finally:
            server.stop()
    result = summarise(data["measures"], data["frames"], t0, t1)
    result.update(layers=[2, *layers], epoch=epoch, load=(load_before, os.getloadavg()[0]))
    return result


def report(result: dict) -> None:
    fps = result["frames"] / result["seconds"]
    print(f"network 2-{'-'.join(map(str, result['layers'][1:]))}, played {result['seconds']:.1f} s, "
          f"reached epoch {result['epoch']}; load average {result['load'][0]:.1f} before, "
          f"{result['load'][1]:.1f} after, on {os.cpu_count()} cores")
    print(f"frames per second: {fps:.1f}")
    if result["intervals"]:
        iv = sorted(result["intervals"])
        print(f"frame interval ms: median {statistics.median(iv):.1f}, "
              f"p90 {iv[int(0.9 * (len(iv) - 1))]:.1f}, max {iv[-1]:.1f}")
    print(f"{'part of a frame':<24}{'mean ms':>9}{'median ms':>11}")
    for label, key in PARTS:
        values = result["parts"].get(key, [])
        if values:
            print(f"{label:<24}{statistics.fmean(values):>9.2f}{statistics.median(values):>11.2f}")
    page_keys = ("crease:decode", "crease:react-plane", "crease:draw-network", "crease:react-curves")
    page_ms = sum(sum(result["parts"].get(k, [])) for k in page_keys) / max(1, result["frames"])
    print(f"the page's own work per frame: {page_ms:.1f} ms (room for {1000 / page_ms:.0f} frames/s; "
          f"the page asks for at most 30)" if page_ms else "no frames drawn")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--query", default=DEFAULT_QUERY, help="settings in the page's URL form")
    parser.add_argument("--size", default="1280x720", help="viewport, WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    report(run(args.seconds, args.query, width, height))


if __name__ == "__main__":
    main()

"""Frames per second of the playing page beside its two ceilings, measured in Chromium.

    python -m bench.page_fps [--seconds 8] [--rounds 2] [--base REV] [--query "hidden=100,10&..."]

Starts the app under gunicorn (memory store) on a free port, opens the page in
Debian's Chromium with 2-100-10-3 on 400 points (300 training + 100
validation) and measures, one after the other on the same page:

- play: the page playing as a user sees it (frames drawn per second, and the
  interval between drawn frames: median, p90, max);
- fetch only: advances requested and decoded back to back, nothing drawn
  (the server's and the network's ceiling);
- draw only: two frames drawn in turn, no requests (the page's ceiling).

Playing overlaps fetching with drawing, so it should come near the smaller
ceiling (the `play/ceiling` column), unless the server said it was busy: then
the page slows down on purpose (static/js/pacing.js), and `pace` is the
highest level it went to (0: full pace). Renderer CPU per frame is the honest
cost of a frame in the browser: the renderer's main-thread task time from the
DevTools protocol (Performance.getMetrics TaskDuration) and the CPU of the
renderer process from /proc (all its threads: raster and compositor too).

With --base REV the same is measured against a second server running that
commit of the app (exported with `git archive`), in interleaved rounds (this,
base, this, base, ...): these machines are shared and their speed changes
within minutes, so only figures from one run compare, and the ratios are the
result. A benchmark, not a test: it prints figures and asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench import procstat
from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.live_server import ENV
from tests.server.servers import ROOT, Gunicorn

DEFAULT_QUERY = "hidden=100,10&act=relu,relu&data=three_clusters&n=400&val=0.25"

# Collects the page's measures from the start, without touching its own buffer.
COLLECT = """
window.__bench = {measures: []};
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.entryType === 'measure' && e.name.startsWith('crease:'))
      window.__bench.measures.push({name: e.name, start: e.startTime, duration: e.duration, server: e.detail?.serverMs ?? null});
  }
}).observe({entryTypes: ['measure']});
"""

# Advances back to back, decoded as when playing, nothing drawn.
FETCH_ONLY = """async (ms) => {
  const {session, trainer} = window.crease;
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) {
    await session.advance(trainer.amount(), {streaming: true});
    n += 1;
  }
  return {frames: n, ms: performance.now() - t0};
}"""

# Two frames drawn in turn (a frame drawn twice may be skipped by Plotly),
# as while playing (trainer.playing), no requests.
DRAW_ONLY = """async (ms) => {
  const {session, trainer} = window.crease;
  const frames = [session.frame, await session.advance(trainer.amount(), {streaming: true})];
  trainer.playing = true;
  const t0 = performance.now();
  let n = 0;
  try {
    while (performance.now() - t0 < ms) {
      session.frame = frames[n % 2];
      await trainer.render();
      n += 1;
    }
  } finally {
    trainer.playing = false;
  }
  return {frames: n, ms: performance.now() - t0};
}"""

PARTS = [("server", "server"), ("network + JSON", "network"), ("decode", "crease:decode"),
         ("plane", "crease:react-plane"), ("network diagram", "crease:draw-network"),
         ("curves", "crease:react-curves")]


def renderer_pids() -> list[int]:
    """Chromium renderer processes started by this script (other people's Chromiums excluded)."""
    found, todo = [], [os.getpid()]
    while todo:
        pid = todo.pop()
        for child in procstat.children(pid):
            todo.append(child)
            try:
                if b"--type=renderer" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.append(child)
            except OSError:
                pass
    return found


class Meter:
    """Renderer CPU over a window: DevTools TaskDuration and /proc ticks."""

    def __init__(self, page):
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable")

    def read(self) -> tuple[float, float]:
        metrics = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        ticks = sum(procstat.cpu_ticks(pid) or 0 for pid in renderer_pids())
        return metrics["TaskDuration"] * 1000, ticks * 1000 / procstat.TICKS

    @staticmethod
    def per_frame(before, after, frames: int) -> tuple[float, float]:
        return tuple((b - a) / max(1, frames) for a, b in zip(before, after))


def measure_page(browser, url: str, query: str, seconds: float, size: tuple[int, int]) -> dict:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.add_init_script(COLLECT)
    page.goto(f"{url}/?{query}")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_function("() => window.crease.idle()", timeout=60_000)
    meter = Meter(page)
    out: dict = {}

    page.get_by_test_id("play").click()
    time.sleep(1.0)   # warm-up: JIT, first layouts
    t0, cpu0 = page.evaluate("performance.now()"), meter.read()
    out["pace"] = 0   # the most the page slowed for a busy server (trainer.pacing.level; a base may have none)
    end = time.perf_counter() + seconds
    while (left := end - time.perf_counter()) > 0:
        time.sleep(min(0.5, left))
        out["pace"] = max(out["pace"], page.evaluate("window.crease.trainer.pacing?.level ?? 0"))
    t1, cpu1 = page.evaluate("performance.now()"), meter.read()
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.crease.idle()", timeout=60_000)
    measures = [m for m in page.evaluate("window.__bench.measures") if t0 <= m["start"] <= t1]
    paints = [m["start"] for m in measures if m["name"] == "crease:react-plane"]
    parts: dict[str, list[float]] = {}
    for m in measures:
        if m["name"] == "crease:fetch":
            if m["server"] is not None:
                parts.setdefault("server", []).append(m["server"])
                parts.setdefault("network", []).append(m["duration"] - m["server"])
        else:
            parts.setdefault(m["name"], []).append(m["duration"])
    out["play"] = len(paints) / ((t1 - t0) / 1000)
    out["intervals"] = [b - a for a, b in zip(paints, paints[1:])]
    out["cpu"] = Meter.per_frame(cpu0, cpu1, len(paints))
    out["parts"] = parts

    for mode, script in (("fetch", FETCH_ONLY), ("draw", DRAW_ONLY)):
        cpu0 = meter.read()
        got = page.evaluate(script, seconds * 1000)
        out[mode] = got["frames"] / (got["ms"] / 1000)
        out[f"{mode}_cpu"] = Meter.per_frame(cpu0, meter.read(), got["frames"])
    out["epoch"] = page.get_by_test_id("epoch-count").text_content()
    page.close()
    return out


def export(rev: str, into: Path) -> Path:
    """The app at commit `rev`, as files (no .git), under `into`."""
    into.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[int(q * (len(values) - 1))] if values else float("nan")


def row(label: str, r: dict) -> str:
    ceiling = min(r["fetch"], r["draw"])
    iv = r["intervals"]
    return (f"{label:<12}{r['play']:>7.1f}{r['fetch']:>8.1f}{r['draw']:>8.1f}{r['play'] / ceiling:>9.2f}"
            f"{statistics.median(iv) if iv else float('nan'):>9.0f}{pct(iv, 0.9):>6.0f}{max(iv, default=float('nan')):>6.0f}"
            f"{r['cpu'][0]:>9.1f}{r['cpu'][1]:>8.1f}{r['draw_cpu'][0]:>9.1f}{r['load']:>6.1f}{r['pace']:>6}")


HEADER = (f"{'':<12}{'play':>7}{'fetch':>8}{'draw':>8}{'play/':>9}{'interval ms':>21}{'renderer ms/frame':>17}"
          f"{'draw':>9}{'load':>6}{'pace':>6}\n"
          f"{'':<12}{'fps':>7}{'only':>8}{'only':>8}{'ceiling':>9}{'median':>9}{'p90':>6}{'max':>6}"
          f"{'tasks':>9}{'/proc':>8}{'tasks':>9}{'':>6}{'level':>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="per mode")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--base", help="a commit to measure beside this tree, interleaved")
    parser.add_argument("--query", default=DEFAULT_QUERY, help="settings in the page's URL form")
    parser.add_argument("--size", default="1280x720", help="viewport, WIDTHxHEIGHT")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    results: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this": ROOT}
        if args.base:
            trees[args.base[:10]] = export(args.base, Path(tmp) / "base")
        servers = {name: Gunicorn(ENV, Path(tmp) / f"{name}.log", cwd=root).start() for name, root in trees.items()}
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS,
                                            env={"HOME": tmp, "TMPDIR": tmp})
                print(f"query {args.query}; {args.seconds:g} s a mode; {os.cpu_count()} cores")
                print(HEADER)
                for k in range(args.rounds):
                    for name, server in servers.items():
                        r = measure_page(browser, server.url, args.query, args.seconds, size)
                        r["load"] = os.getloadavg()[0]
                        results.setdefault(name, []).append(r)
                        print(row(f"{name} #{k + 1}", r), flush=True)
                browser.close()
        finally:
            for server in servers.values():
                server.stop()
    report(results)


def report(results: dict[str, list[dict]]) -> None:
    med = lambda name, f: statistics.median(f(r) for r in results[name])  # noqa: E731
    print("\nmedians over rounds:")
    for name, runs in results.items():
        parts = {}
        for r in runs:
            for key, values in r["parts"].items():
                parts.setdefault(key, []).extend(values)
        shown = ", ".join(f"{label} {statistics.fmean(parts[key]):.1f}" for label, key in PARTS if parts.get(key))
        print(f"  {name}: play {med(name, lambda r: r['play']):.1f} fps of ceiling "
              f"{med(name, lambda r: min(r['fetch'], r['draw'])):.1f}; renderer {med(name, lambda r: r['cpu'][1]):.1f} ms "
              f"a frame (/proc); mean ms a frame: {shown}")
    names = list(results)
    if len(names) == 2:
        a, b = names
        for label, f in [("play fps", lambda r: r["play"]), ("draw-only fps", lambda r: r["draw"]),
                         ("fetch-only fps", lambda r: r["fetch"]),
                         ("interval p90 ms", lambda r: pct(r["intervals"], 0.9)),
                         ("interval max ms", lambda r: max(r["intervals"], default=float("nan"))),
                         ("renderer tasks ms/frame", lambda r: r["cpu"][0]),
                         ("renderer /proc ms/frame", lambda r: r["cpu"][1])]:
            ratios = [f(x) / f(y) for x, y in zip(results[a], results[b])]
            print(f"  {label:<24} {a}/{b}: " + ", ".join(f"{v:.2f}" for v in ratios) + " (per round)")


if __name__ == "__main__":
    main()

"""What the browser tests read from and do to the page, in one place: the
rendered DOM (Plotly's SVG, the diagram's SVG), not the page's own variables,
wherever the rendering is what a test is about."""
from __future__ import annotations

import json
import re
from contextlib import contextmanager

from playwright.sync_api import Page

READY = "body[data-ready=true]"


def open_app(page: Page, query: str = "") -> None:
    page.goto("/" + (f"?{query}" if query else ""))
    page.wait_for_selector(READY, timeout=30_000)
    page.wait_for_function("() => document.querySelectorAll('[data-testid=plane] g.tracetrain-points path.point').length > 0")


def number(page: Page, testid: str) -> float:
    text = page.get_by_test_id(testid).text_content().strip()
    assert re.fullmatch(r"-?\d+(\.\d+)?", text), f"{testid} shows {text!r}, not a plain number"
    return float(text)


def overlay(page: Page) -> dict:
    """What the plane's overlay canvas last painted, in canvas pixels: lines
    [{unit, from, to}], labels [{text, at}], highlight [[[x, y], ...]], counts."""
    return page.evaluate("() => window.crease.plane.overlay.drawn")


def unit_lines(page: Page) -> dict[int, list]:
    """unit -> [[x, y], [x, y]]: the first-layer unit lines the overlay drew."""
    return {line["unit"]: [line["from"], line["to"]] for line in overlay(page)["lines"]}


def overlay_pixels(page: Page, points: list[list[float]]) -> list[list[int]]:
    """RGBA of the overlay canvas at each [x, y] (CSS pixels of the canvas), the
    most opaque pixel within 1.5 px (lines are antialiased)."""
    return page.evaluate("""(points) => {
      const canvas = document.querySelector('[data-testid=plane-overlay]');
      const ctx = canvas.getContext('2d');
      const scale = canvas.width / canvas.getBoundingClientRect().width;
      return points.map(([x, y]) => {
        const r = Math.ceil(1.5 * scale);
        const px = ctx.getImageData(Math.round(x * scale) - r, Math.round(y * scale) - r, 2 * r + 1, 2 * r + 1).data;
        let best = [0, 0, 0, 0];
        for (let i = 0; i < px.length; i += 4) if (px[i + 3] > best[3]) best = Array.from(px.slice(i, i + 4));
        return best;
      });
    }""", points)


def along(segment, t: float) -> list[float]:
    (x1, y1), (x2, y2) = segment
    return [x1 + (x2 - x1) * t, y1 + (y2 - y1) * t]


def point_count(page: Page, split: str = "train") -> int:
    return page.locator(f"[data-testid=plane] g.trace{split}-points path.point").count()


def wait_for_api(page: Page, path_end: str, method: str | None = None):
    """Context manager: waits for the API response whose URL path ends with path_end."""
    return page.expect_response(
        lambda r: r.url.split("?")[0].endswith(path_end) and (method is None or r.request.method == method),
        timeout=30_000)


def settle(page: Page) -> None:
    """Wait until nothing is queued, in flight or being drawn, then two paints more."""
    page.wait_for_function("() => window.crease.idle()", timeout=30_000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


# The class regions: a canvas over the plot area, marked with the grid's
# resolution once drawn (region_colour_classes reads the same element).
REGIONS_CANVAS = "[data-testid=plane] [data-testid=plane-regions][data-resolution]"


# JS: the regions' own pixels (a pixel per grid cell, before the browser
# scales them) as RGBA bytes in `px`.
READ_REGION_PIXELS = """
      const cells = document.querySelector('[data-testid=plane] [data-testid=plane-regions]').cells;
      const px = cells.getContext('2d').getImageData(0, 0, cells.width, cells.height).data;"""


def region_colour_count(page: Page) -> int:
    """How many distinct colours the region image has."""
    return page.evaluate("async () => {" + READ_REGION_PIXELS + """
      const colours = new Set();
      for (let i = 0; i < px.length; i += 4) colours.add(`${px[i]},${px[i + 1]},${px[i + 2]}`);
      return colours.size; }""")


def region_colour_classes(page: Page, k: int) -> dict[str, float]:
    """Share of the rendered region image's pixels per class colour (of the
    first k), found by hue: class c's tints all share its palette colour's hue."""
    return page.evaluate("async (k) => {" + READ_REGION_PIXELS + """
      const hue = (r, g, b) => {
        const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
        if (d < 12) return null;  // too close to white or grey to tell
        let h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
        return (h * 60 + 360) % 360;
      };
      const palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'].slice(0, k);
      const hues = palette.map(c => hue(parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)));
      const counts = {};
      let total = 0;
      for (let i = 0; i < px.length; i += 4) {
        const h = hue(px[i], px[i + 1], px[i + 2]);
        total += 1;
        if (h === null) continue;
        let best = 0, bestD = 999;
        hues.forEach((hc, c) => { const d = Math.min(Math.abs(h - hc), 360 - Math.abs(h - hc)); if (d < bestD) { bestD = d; best = c; } });
        if (bestD < 12) counts[best] = (counts[best] || 0) + 1;
      }
      return Object.fromEntries(Object.entries(counts).map(([c, n]) => [c, n / total]));
    }""", k)


def sign_grid(half: int) -> list[str]:
    """Data file lines of a (2 half)^2 grid without its axes: label +1 where x1 x2 > 0, else -1."""
    return [f"{x / 4:.2f} {y / 4:.2f} {1 if x * y > 0 else -1}"
            for x in range(-half, half + 1) for y in range(-half, half + 1) if x and y]


def upload_lines(page: Page, folder, lines: list[str], name: str = "grid.txt") -> None:
    """Upload ``lines`` as the data file ``name`` and wait for the server's answer."""
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    with wait_for_api(page, "/data", "PUT"):
        page.get_by_test_id("upload").set_input_files(str(path))



def watch_problems(page: Page) -> list[str]:
    """A list that collects the page's console errors, page errors, failed
    requests and 4xx/5xx answers from now on."""
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.method} {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.request.method} {r.url}"))
    return problems


@contextmanager
def touch_device(browser, context_args: dict, viewport: dict):
    """A page on a touch-only device (no mouse) of the viewport's size at device
    scale 2; fails if the page reported a problem."""
    context = browser.new_context(**{**context_args, "viewport": viewport, "device_scale_factor": 2,
                                     "is_mobile": True, "has_touch": True})
    page = context.new_page()
    problems = watch_problems(page)
    yield page
    context.close()
    assert problems == [], "the page reported problems:\n" + "\n".join(problems)


def other_rate_bounds(page: Page, lr_min: float = 0.01, lr_max: float = 5) -> None:
    """Answer GET /api/datasets with the server's own limits but these rate bounds,
    as a server configured otherwise would."""
    def answer(route):
        got = route.fetch()
        body = got.json()
        body["limits"].update(lr_min=lr_min, lr_max=lr_max)
        route.fulfill(response=got, body=json.dumps(body))
    page.route("**/api/datasets", answer)

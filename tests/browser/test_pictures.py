"""Pictures from the share dialog: each chart as PNG and SVG, the whole view as
one 1920x1080 PNG for a slide. Checked as files: sizes, what the SVGs draw
(the plane's unit lines with their 0/+ labels stay vector), and what the PNGs
show (class colours, lines)."""
from __future__ import annotations

import base64
import struct
import xml.etree.ElementTree as ET

import pytest

from tests.browser.app import settle
from tests.browser.shared_page import SCREENSHOTS, advance_epochs, module_page, mpage, open_link  # noqa: F401

SVG = "{http://www.w3.org/2000/svg}"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


# Share of pixels (in a box given as fractions of the image) near each of the
# first k class colours, and of dark pixels (lines, text).
PIXELS = """async ([b64, k, box]) => {
  const img = new Image();
  img.src = 'data:image/png;base64,' + b64;
  await img.decode();
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const ctx = c.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const [x0, y0, x1, y1] = box.map((f, i) => Math.round(f * (i % 2 ? c.height : c.width)));
  const px = ctx.getImageData(x0, y0, x1 - x0, y1 - y0).data;
  const palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7'].slice(0, k).map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
  const hue = (r, g, b) => { const mx = Math.max(r, g, b), mn = Math.min(r, g, b), d = mx - mn; if (d < 25) return null;
    const h = mx === r ? ((g - b) / d) % 6 : mx === g ? (b - r) / d + 2 : (r - g) / d + 4; return (h * 60 + 360) % 360; };
  const hues = palette.map(([r, g, b]) => hue(r, g, b));
  const counts = new Array(k).fill(0);
  let dark = 0, n = 0;
  for (let i = 0; i < px.length; i += 4) {
    n += 1;
    const [r, g, b] = [px[i], px[i + 1], px[i + 2]];
    if (r + g + b < 200) dark += 1;
    const h = hue(r, g, b);
    if (h === null) continue;
    hues.forEach((hc, j) => { if (Math.min(Math.abs(h - hc), 360 - Math.abs(h - hc)) < 12) counts[j] += 1; });
  }
  return { classes: counts.map((v) => v / n), dark: dark / n };
}"""


@pytest.fixture
def trained(mpage):
    open_link(mpage, "/?data=xor&hidden=4&lr=0.1")
    advance_epochs(mpage, 6)
    mpage.get_by_test_id("share").click()
    settle(mpage)
    return mpage


def fetch(page, testid, tmp_path) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_test_id(testid).click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return download.suggested_filename, path.read_bytes()


def test_the_plane_as_png_and_svg(trained, tmp_path):
    page = trained
    size = page.evaluate("() => window.crease.plane.size")
    name, png = fetch(page, "picture-plane-png", tmp_path)
    assert name.startswith("crease-plane") and name.endswith(".png")
    assert png_size(png) == (2 * size, 2 * size)
    seen = page.evaluate(PIXELS, [base64.b64encode(png).decode(), 2, [0.1, 0.05, 0.95, 0.9]])
    assert min(seen["classes"]) > 0.1, seen   # both class regions
    assert seen["dark"] > 0.005, seen         # boundary, unit lines, labels

    name, svg = fetch(page, "picture-plane-svg", tmp_path)
    assert name.endswith(".svg")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("width") == str(size)
    # the overlay's text (not Plotly's, not the white halos): the unit lines' labels as on the page
    texts = [t.text for t in root.iter(f"{SVG}text") if t.get("fill") not in (None, "none") and "system-ui" in t.get("font-family", "")]
    drawn = [label["text"] for label in page.evaluate("() => window.crease.plane.overlay.drawn.labels")]
    assert "+" in drawn and "1" in drawn, drawn
    assert sorted(texts) == sorted(drawn), texts
    assert len(root.findall(f".//{SVG}image")) >= 1                  # the regions (a heatmap is an image)
    markers = [p for p in root.iter(f"{SVG}path") if "point" in (p.get("class") or "")]
    assert len(markers) == page.evaluate("() => window.crease.session.points.train.length + window.crease.session.points.val.length")
    (SCREENSHOTS / "picture-plane.svg").write_bytes(svg)


def test_the_network_and_curves_as_png_and_svg(trained, tmp_path):
    page = trained
    _, png = fetch(page, "picture-network-png", tmp_path)
    width, height = page.evaluate("() => [window.crease.network.width, window.crease.network.height]")
    assert png_size(png) == (2 * width, 2 * height)
    _, svg = fetch(page, "picture-network-svg", tmp_path)
    root = ET.fromstring(svg)
    links = [p for p in root.iter(f"{SVG}path") if p.get("stroke") in ("#0072B2", "#D55E00")]
    assert len(links) == 2 * 4 + 4 * 2                     # every link of 2-4-2, as a vector line
    assert len(root.findall(f".//{SVG}rect")) >= 2 + 4 + 2  # the nodes
    _, png = fetch(page, "picture-curves-png", tmp_path)
    width, height = page.evaluate("() => [window.crease.curves.width, window.crease.curves.height]")
    assert png_size(png) == (2 * width, 2 * height)
    _, svg = fetch(page, "picture-curves-svg", tmp_path)
    root = ET.fromstring(svg)
    assert "scatterlayer" in svg.decode() and root.get("width") == str(width)


def test_the_whole_view_as_one_slide(trained, tmp_path):
    page = trained
    name, png = fetch(page, "picture-view-png", tmp_path)
    assert name.startswith("crease-view") and png_size(png) == (1920, 1080)
    b64 = base64.b64encode(png).decode()
    plane = page.evaluate(PIXELS, [b64, 2, [0.03, 0.12, 0.5, 0.95]])
    assert min(plane["classes"]) > 0.08, plane
    right = page.evaluate(PIXELS, [b64, 2, [0.53, 0.1, 0.98, 0.98]])
    assert right["dark"] > 0.005 and right["classes"][0] > 0.002, right   # numbers, diagram links, curves
    (SCREENSHOTS / "picture-whole-view.png").write_bytes(png)

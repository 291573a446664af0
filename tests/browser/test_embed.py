"""Embedding: a course site on another origin shows the playground in an
iframe when the server's FRAME_ANCESTORS names it; the page sizes itself to
the frame and follows it when the frame changes size. The default
(FRAME_ANCESTORS='self') refuses that site."""
from __future__ import annotations

import threading
import time
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.browser.app import settle
from tests.browser.live_server import ENV
from tests.server.servers import Gunicorn, free_port

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Intro to ML, week 6</title><link rel="icon" href="data:,"></head>
<body style="margin:0;font-family:sans-serif">
<h1 style="font-size:20px;margin:8px">Week 6: neural networks</h1>
<iframe id="allowed" title="Crease playground" src="{allowed}" width="900" height="600" style="border:1px solid #999"></iframe>
<iframe id="refused" title="Crease, default server" src="{refused}" width="300" height="200"></iframe>
</body></html>
"""


def poll(frame, expression: str, arg=None, timeout: float = 30) -> None:
    """Wait until `expression` is true in `frame` (Frame.wait_for_function
    does not see a cross-origin frame's changes here; evaluate does)."""
    deadline = time.monotonic() + timeout
    while not frame.evaluate(expression, arg):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.1)


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def course_site(tmp_path_factory):
    """A static 'course site' on its own origin: http://localhost:<port>."""
    root = tmp_path_factory.mktemp("course-site")
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def embeddable_app(course_site, tmp_path_factory):
    """The app under gunicorn with FRAME_ANCESTORS naming the course site."""
    _, site = course_site
    server = Gunicorn({**ENV, "FRAME_ANCESTORS": f"'self' {site}"},
                      tmp_path_factory.mktemp("gunicorn-embed") / "gunicorn.log").start()
    try:
        yield server.url
    finally:
        server.stop()


# The frame served by the default server is refused: Chromium says so on the console.
@pytest.mark.allow_page_errors("Refused to frame", "frame-ancestors", "ERR_BLOCKED_BY_RESPONSE")
def test_a_course_site_embeds_the_playground(page, course_site, embeddable_app, live_server, shot):
    root, site = course_site
    (root / "week6.html").write_text(HOST_PAGE.format(allowed=f"{embeddable_app}/?data=xor&hidden=4", refused=f"{live_server}/"))
    page.set_viewport_size({"width": 1100, "height": 760})
    page.goto(f"{site}/week6.html")
    frame = page.frame_locator("#allowed")
    frame.locator("body[data-ready=true]").wait_for(timeout=30_000)
    app = next(f for f in page.frames if f.url.startswith(embeddable_app))
    settle(app)
    assert app.evaluate("() => window.crease.store.state.dataset") == "xor"

    def fits(width: int, height: int) -> dict:
        sizes = app.evaluate("""() => ({ w: innerWidth, h: innerHeight,
          plane: document.querySelector('[data-testid=plane] .plane-points').getBoundingClientRect().toJSON(),
          play: document.getElementById('play').getBoundingClientRect().toJSON(),
          scroll: document.scrollingElement.scrollHeight,
          bar: [...document.querySelectorAll('.topbar button, .topbar .logo, .topbar .counter > *')]
            .filter((el) => el.getClientRects().length).map((el) => [el.id || el.className, el.getBoundingClientRect().toJSON()]) })""")
        assert (sizes["w"], sizes["h"]) == (width, height)
        assert sizes["scroll"] <= height
        # the top bar's parts side by side, none over another, none past the frame's edge
        bar = sizes["bar"]
        for i, (name, a) in enumerate(bar):
            assert 0 <= a["left"] and a["right"] <= width, (name, a)
            for other, b in bar[i + 1:]:
                apart = a["right"] <= b["left"] + 0.5 or b["right"] <= a["left"] + 0.5 or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
                assert apart, f"{name} overlaps {other}"
        for part in ("plane", "play"):
            box = sizes[part]
            assert box["left"] >= 0 and box["top"] >= 0 and box["right"] <= width + 1 and box["bottom"] <= height + 1, (part, box)
        return sizes

    first = fits(900, 600)
    shot("embedded-900x600")
    # the course site makes the frame bigger: the plane follows
    page.evaluate("() => { const f = document.getElementById('allowed'); f.width = 1060; f.height = 700; }")
    poll(app, "(w) => document.querySelector('[data-testid=plane] .plane-points').getBoundingClientRect().width > w + 20",
         first["plane"]["width"])
    fits(1060, 700)
    # it works in the frame: a keyboard shortcut trains one epoch
    frame.locator(".counter").click()    # a click into the frame gives it the keyboard
    page.keyboard.press("e")
    poll(app, "() => document.getElementById('epoch-count').textContent === '1'")
    # the default server (frame-ancestors 'self') is not shown inside the course site
    refused = page.locator("#refused").element_handle().content_frame()
    assert not refused.url.startswith(live_server)
    assert not page.frame_locator("#refused").locator("body[data-ready=true]").count()


def test_the_embeddable_server_names_the_course_site(course_site, embeddable_app, live_server):
    _, site = course_site
    with urllib.request.urlopen(f"{embeddable_app}/") as r:
        assert f"frame-ancestors 'self' {site}" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Frame-Options"] is None   # it would forbid the course site in older browsers
    with urllib.request.urlopen(f"{live_server}/") as r:
        assert "frame-ancestors 'self'" in r.headers["Content-Security-Policy"] and r.headers["X-Frame-Options"] == "SAMEORIGIN"

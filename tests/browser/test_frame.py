"""frame.js decodes what the server sends (the server side: tests/server/framedecode.py)."""
from __future__ import annotations

import base64

import pytest

from tests.browser.app import number, open_app, settle


def test_active_counts_read_past_255_units(page):
    open_app(page)
    units = 256   # every first-layer unit with W = 0, W0 = 1: z = 1 > 0 in every cell
    weights = [{"W": [[0] * units] * 2, "W0": [1] * units}, {"W": [[0, 0]] * units, "W0": [0, 0]}]
    body = {"network": {"hidden": [units], "activations": ["relu"]}, "resume": {"weights": weights},
            "view": {"grid": 20, "include": ["active"]}}
    decoded = page.evaluate("""async (body) => {
        const {decodeActive} = await import('/static/js/frame.js');
        const answer = await fetch('/api/sessions', {method: 'POST', body: JSON.stringify(body),
                                                     headers: {'Content-Type': 'application/json'}});
        const active = await decodeActive((await answer.json()).frame.active);
        return {units: active.units, cells: active.counts.length,
                counts: Array.from(new Set(active.counts))};
    }""", body)
    assert decoded == {"units": units, "cells": 400, "counts": [units]}


# A decoded frame as JSON that keeps every bit: each typed array as its type
# and its bytes in hex, everything else as it is.
BITS = """
  const bits = (v) => ArrayBuffer.isView(v)
    ? {type: v.constructor.name, hex: Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
                                                 (b) => b.toString(16).padStart(2, '0')).join('')}
    : Array.isArray(v) ? v.map(bits)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bits(x)]))
    : v;"""

# The same /frame (nothing trains) fetched three times: decoded in the frame
# worker, decoded on the page, and raw.
FRAME_THREE_WAYS = """async () => {""" + BITS + """
  const {exchange} = await import('/static/js/api.js');
  const {api, session} = window.crease;
  const view = {...session.view({fresh: true}), include: ['thumbnails']};
  const request = {method: 'POST', path: `/api/sessions/${api.sessionId}/frame`, body: JSON.stringify({view}),
                   contentType: 'application/json', decode: true};
  const inWorker = (await api.exchange(request)).data;
  const onPage = (await exchange(request)).data;
  const raw = (await exchange({...request, decode: false})).data;
  return {decodesIn: api.decodesIn, worker: bits(inWorker), page: bits(onPage), raw};
}"""


def test_the_frame_worker_decodes_a_frame_bit_for_bit_as_the_page_does(page):
    open_app(page, "hidden=5,3&act=relu,tanh&data=three_clusters")
    settle(page)
    page.get_by_test_id("epoch-step").click()      # an advance: the worker starts
    settle(page)
    got = page.evaluate(FRAME_THREE_WAYS)
    assert got["decodesIn"] == "worker"
    assert got["worker"] == got["page"]
    worker, raw = got["worker"], got["raw"]
    # the weights are the JSON's float64 bytes, untouched; the thumbnails its bytes
    assert [w["W"]["type"] for w in worker["weights"]] == ["Float64Array"] * 3
    for mine, sent in zip(worker["weights"], raw["weights"]):
        assert bytes.fromhex(mine["W"]["hex"]) == base64.b64decode(sent["W"])
        assert bytes.fromhex(mine["W0"]["hex"]) == base64.b64decode(sent["W0"])
    assert [bytes.fromhex(t["data"]["hex"]) for t in worker["thumbnails"]] == \
        [base64.b64decode(t["data"]) for t in raw["thumbnails"]]
    assert worker["grid"]["classes"]["type"] == "Uint8Array" and len(worker["grid"]["classes"]["hex"]) == 2 * 100 * 100


@pytest.mark.parametrize("without", [
    "Worker", pytest.param("worker script", marks=pytest.mark.allow_page_errors("frame-worker.js net::ERR_"))])
def test_frames_are_decoded_on_the_page_where_the_worker_cannot_run(page, without):
    if without == "Worker":
        page.add_init_script("delete window.Worker")
    else:
        page.route("**/frame-worker.js", lambda route: route.abort())
    advances = []
    page.on("request", lambda r: advances.append(r.url) if r.url.endswith("/advance") else None)
    open_app(page, "hidden=4")
    settle(page)
    for _ in range(3):
        page.get_by_test_id("epoch-step").click()
        settle(page)
    assert page.evaluate("window.crease.api.decodesIn") == "page"
    assert len(advances) == 3                       # each advance sent once, none lost
    assert number(page, "epoch-count") == 3


def test_a_frame_the_page_cannot_read_is_reported_once_and_not_sent_again(page):
    open_app(page, "hidden=4")
    settle(page)
    advances = []

    def newer_version(route):
        advances.append(route.request.url)
        route.fulfill(status=200, content_type="application/json", body='{"version": 99}')

    page.route("**/advance", newer_version)
    page.get_by_test_id("epoch-step").click()
    page.get_by_test_id("status").filter(has_text="frame version 99").wait_for()
    settle(page)
    assert len(advances) == 1                        # an advance trains: never sent twice
    assert page.evaluate("window.crease.api.decodesIn") == "worker"

"""A diverged run says so in full at 1280 px, with the advice, and one click
lowers the learning rate to a tenth (field, URL and server alike) and goes on
from the weights before the refused step."""
from __future__ import annotations

import base64
import struct

from tests.browser.app import number, open_app, settle, wait_for_api


def inside(inner: dict, outer: dict) -> bool:
    return (inner["x"] >= outer["x"] - 0.5 and inner["y"] >= outer["y"] - 0.5
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5)


def test_divergence_message_is_whole_and_lowering_the_rate_continues(page, shot):
    open_app(page, "lr=10")
    settle(page)
    page.get_by_test_id("play").click()
    note = page.get_by_test_id("divergence")
    note.wait_for(state="visible", timeout=30_000)
    settle(page)
    assert page.get_by_test_id("play").get_attribute("aria-pressed") == "false"
    text = note.text_content()
    at = page.evaluate("window.crease.session.frame.divergedAt")
    assert f"Diverged at step {at['step']} (epoch {at['epoch']})" in text
    assert "Lower the learning rate (to 1, a tenth)" in text and "weights are those before it" in text
    # whole: inside the viewport, and no line of it clipped
    viewport = {"x": 0, "y": 0, "width": 1280, "height": 720}
    assert inside(note.bounding_box(), viewport)
    clipped = page.evaluate("""() => [...document.querySelectorAll('[data-testid=divergence], [data-testid=divergence] *')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1).length""")
    assert clipped == 0
    assert page.evaluate("(el => el.scrollWidth <= el.clientWidth)(document.querySelector('[data-testid=status]'))")
    button = page.get_by_test_id("lower-and-continue")
    assert inside(button.bounding_box(), note.bounding_box())
    assert button.text_content() == "Lower it to 1 and continue"
    shot("divergence-1280")

    weights = page.evaluate("Array.from(window.crease.session.frame.weights[0].W)")
    steps = number(page, "step-count")
    with wait_for_api(page, "/training", "PATCH") as patched:
        button.click()
    assert patched.value.request.post_data_json["lr"] == 1
    resumed = patched.value.json()
    assert resumed["state"] != "diverged"
    layer = resumed["weights"][0]
    raw = base64.b64decode(layer["W"])
    code = {"float64": "d", "float32": "f"}[layer["dtype"]]
    values = struct.unpack(f"<{len(raw) // struct.calcsize(code)}{code}", raw)
    assert list(values) == weights   # from the weights before the bad step, exactly
    # it plays on from there, at a rate this run trains at
    page.wait_for_function("() => +document.querySelector('[data-testid=epoch-count]').textContent >= 2", timeout=60_000)
    assert page.get_by_test_id("play").get_attribute("aria-pressed") == "true"
    page.get_by_test_id("play").click()
    settle(page)
    assert note.is_hidden() and "Diverged" not in page.get_by_test_id("status").text_content()
    assert page.get_by_test_id("learning-rate").input_value() == "1"
    assert "lr=1&" in page.url + "&"

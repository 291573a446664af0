"""One class numbering everywhere: people read classes as the homework's prose
numbers them (class 1, class 2, ...), with the code's index beside it where
indices also show (the inspector's target, the hover tooltip)."""
from __future__ import annotations

import re

from playwright.sync_api import Page

from tests.browser.test_homework import answer, click_plane_at, open_lesson, open_playground, settle_lesson


def probe_at(page: Page, x1: float, x2: float) -> None:
    for name, value in (("inspector-x1", x1), ("inspector-x2", x2)):
        page.get_by_test_id(name).fill(str(value))
        page.get_by_test_id(name).dispatch_event("change")
    page.wait_for_function(f"() => document.querySelector('[data-testid=inspector-body] h3')?.textContent.includes('[{x1}, {x2}]')")


def option_texts(page: Page) -> list[str]:
    return page.eval_on_selector_all("[data-testid=inspector-target] option", "els => els.map(e => e.textContent)")


def target_fits(page: Page) -> bool:
    """The target selector is wide enough for its chosen option's whole text."""
    return page.evaluate("""() => {
      const select = document.querySelector('[data-testid=inspector-target]');
      const style = getComputedStyle(select);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const text = ctx.measureText(select.selectedOptions[0].textContent).width;
      const arrow = 20;   // the drop-down arrow
      return text + arrow + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) <= select.clientWidth;
    }""")


def test_lesson_2_and_its_inspector_name_the_same_class(page, shot):
    open_lesson(page, "relu-softmax")
    assert answer(page, "2.4-case-1-3") == "class 2"       # the homework: x = [0.5, 0.5] is class 2
    assert answer(page, "2.4-case-3-3") == "class 1"
    probe_at(page, 0.5, 0.5)
    settle_lesson(page)
    assert page.get_by_test_id("inspector-class").text_content() == "class 2 (index 1)"
    assert option_texts(page) == ["none (forward only)", "class 1 (index 0)", "class 2 (index 1)"]
    page.get_by_test_id("inspector-target").select_option("1")
    # the probe before it had a target too (class 1, the default), so its step
    # sections are there already: wait for the answer for class 2 itself
    page.wait_for_function("() => document.querySelector('[data-testid=inspector-body]')"
                           "?.textContent.includes('Backward for class 2 (index 1)')")
    assert page.locator("[data-testid=step-1]").count() == 1
    assert target_fits(page)
    probe_at(page, -2.5, -2.5)
    settle_lesson(page)
    assert page.get_by_test_id("inspector-class").text_content() == "class 1 (index 0)"
    probe_at(page, 0.5, 0.5)
    settle_lesson(page)
    page.get_by_test_id("lesson-inspector").scroll_into_view_if_needed()
    shot("lesson-relu-softmax-inspector")


def test_playground_tooltip_and_inspector_number_classes_alike(page, shot):
    open_playground(page, "data=three_clusters&hidden=4")
    box = page.locator("[data-testid=plane] g.tracetrain-points path.point").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.get_by_test_id("plane-tooltip")
    tooltip.wait_for(state="visible")
    rows = page.eval_on_selector_all("[data-testid=plane-tooltip] tr td:first-child", "els => els.map(e => e.textContent)")
    assert rows == ["class 1 (index 0)", "class 2 (index 1)", "class 3 (index 2)"]
    truth = re.search(r"true class (\d) \(index (\d)\)", tooltip.text_content())
    assert truth and int(truth[1]) == int(truth[2]) + 1, tooltip.text_content()
    shot("playground-tooltip-classes")

    extent = page.evaluate("window.crease.session.frame.extent")
    click_plane_at(page, 1.0, -1.0, extent)
    page.wait_for_function("() => document.querySelector('[data-testid=inspector-output]')")
    probs = [float(v) for v in re.findall(r"[\d.]+(?:e-?\d+)?", page.get_by_test_id("probs").text_content())]
    best = probs.index(max(probs))
    assert page.get_by_test_id("inspector-class").text_content() == f"class {best + 1} (index {best})"
    assert option_texts(page)[1:] == ["class 1 (index 0)", "class 2 (index 1)", "class 3 (index 2)"]
    # the draw-mode class buttons count from 1 as well
    assert page.get_by_test_id("draw-class-0").get_attribute("aria-label") == "class 1"

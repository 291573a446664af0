"""Keyboard: each shortcut does what its button does, `?` lists them and Esc
closes the list, shortcuts are off while typing, and every control is reached
with Tab, shows a focus ring and works from the keyboard."""
from __future__ import annotations

from tests.browser.app import number, settle
from tests.browser.shared_page import counters, module_page, mpage, open_link, state  # noqa: F401


def press(page, key: str) -> None:
    page.keyboard.press(key)
    settle(page)


def test_each_shortcut_does_what_its_button_does(mpage):
    open_link(mpage, "/?hidden=4")
    mpage.locator("body").click(position={"x": 5, "y": 700})   # nothing focused that takes keys
    press(mpage, "ArrowRight")
    assert counters(mpage)["step"] == 1 and counters(mpage)["epoch"] == 0
    press(mpage, "e")
    assert counters(mpage)["epoch"] == 1
    press(mpage, "E")
    assert counters(mpage)["epoch"] == 2
    mpage.keyboard.press("Space")
    play = mpage.get_by_test_id("play")
    assert play.get_attribute("aria-pressed") == "true"
    mpage.wait_for_function("() => Number(document.getElementById('epoch-count').textContent) >= 4")
    press(mpage, "Space")
    assert play.get_attribute("aria-pressed") == "false"
    assert number(mpage, "epoch-count") >= 4
    press(mpage, "r")
    assert counters(mpage) == {**counters(mpage), "epoch": 0, "step": 0}
    press(mpage, "p")
    assert mpage.evaluate("() => document.body.classList.contains('presenter')") and state(mpage)["presenter"]
    mpage.wait_for_function("() => location.search.includes('presenter=1')")
    press(mpage, "p")
    assert not mpage.evaluate("() => document.body.classList.contains('presenter')")


def test_space_after_clicking_a_button_plays_rather_than_pressing_it_again(mpage):
    open_link(mpage, "/?hidden=4")
    mpage.get_by_test_id("epoch-step").click()
    settle(mpage)
    assert counters(mpage)["epoch"] == 1
    mpage.keyboard.press("Space")            # the mouse left focus on "+1 epoch"
    assert mpage.get_by_test_id("play").get_attribute("aria-pressed") == "true"
    press(mpage, "Space")
    assert mpage.get_by_test_id("play").get_attribute("aria-pressed") == "false"


def test_question_mark_lists_the_shortcuts_and_escape_closes_it(mpage):
    open_link(mpage, "/")
    help_dialog = mpage.get_by_test_id("help-dialog")
    assert not help_dialog.is_visible()
    mpage.keyboard.press("?")
    assert help_dialog.is_visible()
    rows = dict(help_dialog.locator("tr").evaluate_all("rows => rows.map((r) => [r.querySelector('kbd').textContent, r.querySelector('td').textContent])"))
    for key, words in [("Space", "play"), ("→", "step"), ("E", "epoch"), ("R", "reset"), ("P", "presenter"), ("?", "shortcuts"), ("Esc", "close")]:
        assert words in rows[key].lower(), (key, rows)
    # while it is open, the other shortcuts do nothing
    mpage.keyboard.press("e")
    assert counters(mpage)["epoch"] == 0
    mpage.keyboard.press("Escape")
    assert not help_dialog.is_visible()
    # the ? button opens it too, and its × closes it
    mpage.get_by_test_id("help-button").click()
    assert help_dialog.is_visible()
    mpage.get_by_test_id("help-close").click()
    assert not help_dialog.is_visible()


def test_shortcuts_are_off_while_typing(mpage):
    open_link(mpage, "/")
    field = mpage.get_by_test_id("learning-rate")
    field.click()
    for key in ["e", "r", "p", "Space", "ArrowRight", "?"]:
        mpage.keyboard.press(key)
    settle(mpage)
    assert counters(mpage)["epoch"] == 0 and counters(mpage)["step"] == 0
    assert mpage.get_by_test_id("play").get_attribute("aria-pressed") == "false"
    assert not mpage.evaluate("() => document.body.classList.contains('presenter')")
    assert not mpage.get_by_test_id("help-dialog").is_visible()


# Every control the page shows, numbered (data-tab-probe): what Tab must reach.
CONTROLS = """() => [...document.querySelectorAll('button, input, select, summary, a[href], [tabindex]:not([tabindex="-1"])')]
  .filter((el) => !el.disabled && el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden' && !el.closest('dialog:not([open])'))
  .map((el, i) => { el.dataset.tabProbe = String(i); return [String(i), el.id || el.dataset.testid || el.textContent.trim().slice(0, 20)]; })"""

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return { probe: el.dataset.tabProbe ?? null, name: el.id || el.dataset.testid || el.textContent.trim().slice(0, 20),
           ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 && el.matches(':focus-visible') };
}"""


def test_tab_reaches_every_control_with_a_visible_focus_ring(mpage):
    open_link(mpage, "/?hidden=3,2&act=relu,tanh")
    expected = dict(mpage.evaluate(CONTROLS))
    assert len(expected) > 40
    reached, without_ring = [], []
    mpage.locator("body").click(position={"x": 5, "y": 700})
    for _ in range(len(expected) + 20):
        mpage.keyboard.press("Tab")
        focused = mpage.evaluate(FOCUSED)
        if focused is None:
            continue
        if focused["probe"] is not None and focused["probe"] in reached:
            break
        reached.append(focused["probe"])
        if not focused["ring"]:
            without_ring.append(focused["name"])
    missing = [name for probe, name in expected.items() if probe not in reached]
    assert missing == [], f"Tab never reaches {missing}"
    assert without_ring == [], f"no visible focus ring on {without_ring}"


def test_controls_work_from_the_keyboard(mpage):
    open_link(mpage, "/")
    # a checkbox: Space
    mpage.get_by_test_id("show-boundary").focus()
    press(mpage, "Space")
    assert state(mpage)["showBoundary"] is False
    # a select: arrow keys
    mpage.get_by_test_id("optimizer").focus()
    press(mpage, "ArrowDown")
    assert state(mpage)["optimizer"] == "adam"
    # a number field: type, Enter
    mpage.get_by_test_id("learning-rate").focus()
    mpage.keyboard.press("Control+A")
    mpage.keyboard.type("0.3")
    press(mpage, "Enter")
    assert state(mpage)["lr"] == 0.3
    # a toggle button reached with Tab: Enter presses it
    mpage.get_by_test_id("regions-hard").focus()
    press(mpage, "Enter")
    assert state(mpage)["regions"] == "hard"
    # the settings drawer button, the share dialog: Enter opens, Esc closes, focus comes back
    mpage.get_by_test_id("share").focus()
    press(mpage, "Enter")
    assert mpage.get_by_test_id("share-dialog").is_visible()
    mpage.keyboard.press("Escape")
    assert not mpage.get_by_test_id("share-dialog").is_visible()
    assert mpage.evaluate("() => document.activeElement.id") == "share-button"
    # transport buttons reached by keyboard: Space presses the focused one
    mpage.get_by_test_id("play").focus()
    mpage.keyboard.press("Tab")
    assert mpage.evaluate("() => document.activeElement.id") == "step"
    press(mpage, "Space")
    assert counters(mpage)["step"] == 1
    assert mpage.get_by_test_id("play").get_attribute("aria-pressed") == "false"


def test_the_network_diagram_works_from_the_keyboard(mpage):
    open_link(mpage, "/?hidden=3")
    diagram = mpage.locator("[data-testid=network] svg.diagram")
    mpage.get_by_test_id("curves").click()        # then Tab backwards onto the diagram, as a keyboard user would
    for _ in range(12):
        mpage.keyboard.press("Shift+Tab")
        if mpage.evaluate("() => document.activeElement?.classList?.contains('diagram')"):
            break
    assert mpage.evaluate("() => document.activeElement.matches('svg.diagram:focus-visible')")
    cursor = mpage.get_by_test_id("diagram-cursor")
    assert cursor.text_content().startswith("unit a¹₁")
    press(mpage, "ArrowDown")                      # the arrow moves the cursor, it is not "one step"
    assert cursor.text_content().startswith("unit a¹₂") and counters(mpage)["step"] == 0
    ring = mpage.locator("[data-testid=network] rect.key-cursor").bounding_box()
    assert ring and ring["width"] > 10
    # Enter: selects the unit (its line is highlighted on the plane) and edits its bias
    press(mpage, "Enter")
    assert mpage.evaluate("() => window.crease.network.selected") == {"layer": 1, "unit": 1}
    assert len(mpage.evaluate("() => window.crease.plane.overlay.drawn.highlight")) == 1
    field = mpage.get_by_test_id("weight-input")
    assert mpage.evaluate("() => document.activeElement.dataset.testid") == "weight-input"
    field.fill("1.25")
    press(mpage, "Enter")
    assert mpage.evaluate("() => Array.from(window.crease.session.frame.weights[0].W0)[1]") == 1.25
    assert mpage.evaluate("() => document.activeElement.classList.contains('diagram')")
    # W: the weights into the unit, one after another (from x1, then x2)
    press(mpage, "w")
    field.fill("-2")
    press(mpage, "Enter")
    press(mpage, "w")
    field.fill("0.5")
    press(mpage, "Enter")
    W = mpage.evaluate("() => { const w = window.crease.session.frame.weights[0]; return [w.W[0 * w.n + 1], w.W[1 * w.n + 1]]; }")
    assert W == [-2, 0.5]
    # Esc leaves the editor unchanged, and the diagram keeps the keyboard
    press(mpage, "w")
    field.fill("9")
    press(mpage, "Escape")
    assert not mpage.get_by_test_id("weight-editor").is_visible()
    assert mpage.evaluate("() => window.crease.session.frame.weights[0].W[1]") == -2
    assert mpage.evaluate("() => document.activeElement.classList.contains('diagram')")
    press(mpage, "ArrowRight")
    assert cursor.text_content().startswith("output")
    assert diagram.is_visible()

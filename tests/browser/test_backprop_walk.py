"""Backprop on the network diagram: the inspector's point walked through one
homework equation at a time, with the inspector's own numbers on the units and
links; → ← and Esc drive it (and do not step training meanwhile); "Apply this
step" moves the links from the old weights to the new; presenter mode keeps it
readable. Screenshots go to test-artifacts/screenshots/."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.app import open_app, settle, wait_for_api
from tests.browser.test_inspector import inspect, lonely_point
from tests.browser.test_presenter import CLIPPED

# Two hidden layers of different activations, so every kind of step appears.
NETWORK = "hidden=3,2&act=relu,tanh"

# The homework's equations, in the order the walkthrough applies them.
EQUATIONS = [
    "z¹ = W¹ᵀ x + W₀¹", "a¹ = ReLU(z¹)", "z² = W²ᵀ a¹ + W₀²", "a² = tanh(z²)", "z³ = W³ᵀ a² + W₀³", "a³ = softmax(z³)",
    "∂L/∂z³ = a³ − y", "∂L/∂W³ = a² (∂L/∂z³)ᵀ", "∂L/∂a² = W³ ∂L/∂z³", "∂L/∂z² = ∂L/∂a² ∗ f²′(z²)",
    "∂L/∂W² = a¹ (∂L/∂z²)ᵀ", "∂L/∂a¹ = W² ∂L/∂z²", "∂L/∂z¹ = ∂L/∂a¹ ∗ f¹′(z¹)", "∂L/∂W¹ = x (∂L/∂z¹)ᵀ",
    "Wˡ ← Wˡ − η ∂L/∂Wˡ  (η = 0.03)",
]

# JS: what the diagram shows for the step on screen, read from its SVG.
SHOWN = """() => {
  const layer = document.querySelector('[data-testid=network] [data-testid=walk-layer]');
  const value = (el) => el.getAttribute('aria-label').split(' = ')[1];
  return {
    step: layer.dataset.step,
    size: ((r) => [r.width, r.height])(document.querySelector('[data-testid=network]').getBoundingClientRect()),  // laid out at once
    equation: document.querySelector('[data-testid=walk-equation]').textContent,
    tags: [...layer.querySelectorAll('g.walk-tag')].map((g) => ({
      unit: g.dataset.unit, quantity: g.dataset.quantity, role: g.dataset.role, text: g.textContent, label: value(g) })),
    links: [...layer.querySelectorAll('line.walk-link')].map((l) => ({ link: l.dataset.link, label: value(l) })),
    biases: [...layer.querySelectorAll('circle.walk-bias')].map((c) => ({ bias: c.dataset.bias, label: value(c) })),
  };
}"""

# JS: the inspector's table as it shows it: each vector's entries and each ∂L/∂W matrix's cells, as text.
INSPECTOR = """() => {
  const body = document.querySelector('[data-testid=inspector-body]');
  const vectors = {};
  for (const line of body.querySelectorAll('.insp-line[data-testid]')) {
    const v = line.querySelector('.vector');
    if (v) vectors[line.dataset.testid] = v.textContent.replace(/^\\[|\\]$/g, '').split(', ');
  }
  const x = body.querySelector('h3 .num').textContent.replace(/^x = \\[|\\]$/g, '').split(', ');
  const dLdW = {};
  for (const section of body.querySelectorAll('section[data-testid^=backward-]')) {
    const l = section.dataset.testid.split('-')[1];
    dLdW[l] = [...section.querySelectorAll('table.matrix tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
  }
  return { vectors, x, dLdW };
}"""

INSPECTOR_KEY = {"z": "z", "a": "a", "dLdz": "dLdz", "dLda": "dLda"}


def start_walk(page) -> None:
    inspect(page, lonely_point(page, 1))
    page.get_by_test_id("inspector-walk").click()
    expect(page.get_by_test_id("walk-bar")).to_be_visible()
    settle(page)


def walk_all(page) -> list[dict]:
    """Every step's picture, pressing → from the first to the last."""
    shown = [page.evaluate(SHOWN)]
    while not page.get_by_test_id("walk-next").is_disabled():
        page.keyboard.press("ArrowRight")
        page.wait_for_function("(key) => document.querySelector('[data-testid=walk-layer]').dataset.step !== key", arg=shown[-1]["step"])
        shown.append(page.evaluate(SHOWN))
    return shown


def test_every_step_shows_the_inspectors_numbers_where_they_happen(page, shot):
    open_app(page, NETWORK)
    settle(page)
    start_walk(page)
    table = page.evaluate(INSPECTOR)
    steps = walk_all(page)
    assert steps[0]["equation"] == f"a⁰ = x = [{', '.join(table['x'])}]"
    loss = page.get_by_test_id("inspector-loss").locator("b").text_content()
    assert [s["equation"] for s in steps[1:]] == EQUATIONS
    assert len({tuple(s["size"]) for s in steps}) == 1, [s["size"] for s in steps]   # no step resizes the diagram
    checked = {"units": 0, "links": 0, "biases": 0}
    for s in steps:
        results = [t for t in s["tags"] if t["role"] == "result"]
        assert results or s["step"] == "update" or s["links"], s["step"]
        for tag in s["tags"]:
            layer, unit = map(int, tag["unit"].split(","))
            expected = table["x"][unit] if tag["quantity"] == "x" else table["vectors"][f"{INSPECTOR_KEY[tag['quantity']]}-{layer}"][unit]
            assert tag["text"] == tag["label"] == expected, (s["step"], tag)
            checked["units"] += 1
        for link in s["links"]:
            layer, i, j = map(int, link["link"].split(","))
            assert link["label"] == table["dLdW"][str(layer)][i][j], (s["step"], link)
            checked["links"] += 1
        for bias in s["biases"]:
            layer, j = map(int, bias["bias"].split(","))
            assert bias["label"] == table["vectors"][f"dLdW0-{layer}"][j], (s["step"], bias)
            checked["biases"] += 1
    # every ∂L/∂W (2x3 + 3x2 + 2x2 links) and every ∂L/∂W₀ (3 + 2 + 2) was drawn and compared
    assert checked["links"] == 6 + 6 + 4 and checked["biases"] == 7, checked
    # the backward pass starts from the inspector's target and loss
    for _ in range(len(steps) - 1 - EQUATIONS.index("∂L/∂z³ = a³ − y") - 1):
        page.keyboard.press("ArrowLeft")
    expect(page.get_by_test_id("walk-equation")).to_have_text("∂L/∂z³ = a³ − y")
    expect(page.get_by_test_id("walk-detail")).to_contain_text(f"Target class 2, y = [0, 1]; loss L = {loss} (NLL)")
    for _ in range(len(steps) - 1 - EQUATIONS.index("∂L/∂z³ = a³ − y") - 1):
        page.keyboard.press("ArrowRight")
    # → stepped the walkthrough, never the training
    expect(page.get_by_test_id("step-count")).to_have_text("0")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.querySelector('[data-testid=walk-layer]').dataset.step === 'dLdW-1'")
    # the gradient links: colour by sign, thickness by size
    links = page.evaluate("""() => [...document.querySelectorAll('line.walk-link')].map((l) => ({
      value: Number(l.dataset.value), width: Number(l.getAttribute('stroke-width')), stroke: l.getAttribute('stroke') }))""")
    assert len(links) == 6
    assert all(k["stroke"] == ("#0072B2" if k["value"] >= 0 else "#D55E00") for k in links), links
    by_size = sorted(links, key=lambda k: abs(k["value"]))
    assert [k["width"] for k in by_size] == sorted(k["width"] for k in by_size) and by_size[-1]["width"] > by_size[0]["width"], links
    shot("backprop-diagram-gradients")


def test_the_keyboard_drives_the_walk_and_escape_leaves_it(page):
    open_app(page, NETWORK)
    settle(page)
    inspect(page, lonely_point(page, 0))
    walk = page.get_by_test_id("inspector-walk")
    walk.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("walk-bar")).to_be_visible()
    expect(page.get_by_test_id("side-panel")).to_be_hidden()    # the diagram stands in for it
    step = "() => document.querySelector('[data-testid=walk-layer]').dataset.step"
    assert page.evaluate(step) == "x"
    # from anywhere: the page itself, or the diagram (whose arrows otherwise move its cursor)
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate(step) == "a-1"
    page.locator("[data-testid=network] svg.diagram").focus()
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(step) == "z-1"
    expect(page.get_by_test_id("walk-equation")).to_have_text("z¹ = W¹ᵀ x + W₀¹")
    assert page.get_by_test_id("walk-count").text_content() == f"step 2 of {len(EQUATIONS) + 1} · forward"
    # the buttons do the same
    page.get_by_test_id("walk-next").click()
    assert page.evaluate(step) == "a-1"
    page.get_by_test_id("walk-back").click()
    page.get_by_test_id("walk-back").click()
    assert page.evaluate(step) == "x" and page.get_by_test_id("walk-back").is_disabled()
    expect(page.get_by_test_id("step-count")).to_have_text("0")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("walk-bar")).to_be_hidden()
    expect(page.get_by_test_id("side-panel")).to_be_visible()
    assert page.locator("[data-testid=walk-layer] > *").count() == 0
    assert page.evaluate("() => document.activeElement.dataset.testid") == "inspector-walk"
    # and → is the training step again
    page.evaluate("() => document.activeElement.blur()")
    with wait_for_api(page, "/advance", "POST"):
        page.keyboard.press("ArrowRight")
    settle(page)
    expect(page.get_by_test_id("step-count")).to_have_text("1")


def test_applying_the_step_moves_each_link_from_its_old_weight_to_its_new(page, shot):
    open_app(page, NETWORK)
    settle(page)
    start_walk(page)
    walk_all(page)
    assert page.evaluate("() => document.querySelector('[data-testid=walk-layer]').dataset.step") == "update"
    before_after = page.evaluate("() => window.crease.walk.result.layers.map((l) => [l.W.flat(), l.W_after.flat()])")
    # record the links' weights at every paint of the diagram's canvas
    page.evaluate("""() => {
      const n = window.crease.network;
      window.painted = [];
      const paint = n._paintCanvas.bind(n);
      n._paintCanvas = () => { window.painted.push(n.drawn.map((links) => links.map((k) => k.w))); paint(); };
    }""")
    with wait_for_api(page, "/probe/apply", "POST"):
        page.get_by_test_id("walk-apply").click()
    page.wait_for_function("() => document.querySelector('[data-testid=walk-bar]').dataset.step === 'applied'")
    page.wait_for_function("() => document.querySelector('[data-testid=network] svg.diagram').dataset.moving === 'false'")
    settle(page)
    painted = page.evaluate("() => window.painted")
    expect(page.get_by_test_id("step-count")).to_have_text("1")
    assert painted[-1] == [after for _, after in before_after] or all(
        abs(a - b) < 1e-9 for layer, (_, after) in zip(painted[-1], before_after) for a, b in zip(layer, after))
    # the link that moves most: from old to new through values in between, never back
    layer, k = max(((l, k) for l, (old, new) in enumerate(before_after) for k in range(len(old))),
                   key=lambda lk: abs(before_after[lk[0]][1][lk[1]] - before_after[lk[0]][0][lk[1]]))
    old, new = before_after[layer][0][k], before_after[layer][1][k]
    path = [p[layer][k] for p in painted]
    between = [w for w in path if min(old, new) < w < max(old, new) and abs(w - old) > 1e-12 and abs(w - new) > 1e-12]
    assert len(between) >= 3, (old, new, path)
    steps = [b - a for a, b in zip(path, path[1:])]
    assert all(s * (new - old) >= -1e-12 for s in steps), path
    expect(page.get_by_test_id("walk-detail")).to_contain_text("Applied")
    # → starts again at the new weights, whose forward pass the inspector shows
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('[data-testid=walk-layer]').dataset.step === 'x'")
    shot("backprop-diagram-applied")


def test_the_walk_is_readable_in_presenter_mode(page, shot):
    open_app(page, "presenter=1&" + NETWORK)
    settle(page)
    inspect(page, lonely_point(page, 1))
    popup = page.get_by_test_id("line-popup")
    if popup.is_visible():   # the click on the point may have met a unit's line as well
        popup.locator("button.close").click()
    page.get_by_test_id("inspector-walk").click()
    for _ in range(8):   # to ∂L/∂W³: numbers on two columns and the gradient links
        page.keyboard.press("ArrowRight")
    settle(page)
    assert page.evaluate("() => document.querySelector('[data-testid=walk-layer]').dataset.step") == "dLdW-3"
    assert page.evaluate(CLIPPED) == []
    sizes = page.evaluate("""() => ({
      tag: parseFloat(getComputedStyle(document.querySelector('g.walk-tag text')).fontSize),
      equation: parseFloat(getComputedStyle(document.querySelector('[data-testid=walk-equation]')).fontSize),
      detail: parseFloat(getComputedStyle(document.querySelector('[data-testid=walk-detail]')).fontSize),
    })""")
    assert sizes["tag"] >= 18 and sizes["equation"] >= 24 and sizes["detail"] >= 15, sizes
    boxes = page.evaluate("""() => {
      const d = document.querySelector('[data-testid=network] svg.diagram').getBoundingClientRect();
      const tags = [...document.querySelectorAll('g.walk-tag')].map((g) => g.getBoundingClientRect());
      return { diagram: [d.left, d.top, d.right, d.bottom], tags: tags.map((r) => [r.left, r.top, r.right, r.bottom]) };
    }""")
    left, top, right, bottom = boxes["diagram"]
    tags = boxes["tags"]
    assert len(tags) == 2 + 2   # a² (read) on layer 2, ∂L/∂z³ (read) on the outputs
    for a in tags:
        assert left <= a[0] and a[2] <= right and top <= a[1] and a[3] <= bottom, (a, boxes["diagram"])
    for n, a in enumerate(tags):
        for b in tags[n + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    shot("backprop-diagram-presenter")


def test_pointing_at_a_link_or_a_unit_names_its_value(page):
    open_app(page, NETWORK)
    settle(page)
    start_walk(page)
    table = page.evaluate(INSPECTOR)
    walk_all(page)
    page.keyboard.press("ArrowLeft")     # ∂L/∂W¹ on the first layer's links
    page.wait_for_function("() => document.querySelector('[data-testid=walk-layer]').dataset.step === 'dLdW-1'")
    size = "() => { const r = document.querySelector('[data-testid=network] svg.diagram').getBoundingClientRect(); return [r.width, r.height]; }"
    diagram = page.evaluate(size)
    # near unit a¹₃ on the link from x₂, where links run apart (as test_network.click_link aims)
    a = page.locator("[data-testid=network] rect[data-unit='0,1']").bounding_box()
    b = page.locator("[data-testid=network] rect[data-unit='1,2']").bounding_box()
    x1, y1, x2, y2 = a["x"] + a["width"], a["y"] + a["height"] / 2, b["x"], b["y"] + b["height"] / 2
    page.mouse.move(x1 + (x2 - x1) * 0.8, y1 + (y2 - y1) * 0.8)
    tooltip = page.locator("[data-testid=network] .plot-tooltip")
    expect(tooltip).to_contain_text(f"∂L/∂w¹₂,₃ = {table['dLdW']['1'][1][2]}")
    # at the SGD step, the same link names its weight before and after, as the inspector's step table does
    page.keyboard.press("ArrowRight")
    settle(page)
    assert page.evaluate(size) == diagram   # the diagram keeps its size from step to step
    page.mouse.move(5, 5)
    page.mouse.move(x1 + (x2 - x1) * 0.8, y1 + (y2 - y1) * 0.8)
    moved = page.locator("[data-testid=step-1] table.matrix tbody tr").nth(1).locator("td").nth(2).text_content()
    assert " → " in moved
    expect(tooltip).to_contain_text(f"w¹₂,₃: {moved}")
    page.keyboard.press("ArrowLeft")
    # the keyboard's cursor on a unit says the step's numbers there
    page.mouse.move(5, 5)
    page.locator("[data-testid=network] svg.diagram").focus()
    said = page.get_by_test_id("diagram-cursor").text_content()
    assert f"∂L/∂z¹₁ = {table['vectors']['dLdz-1'][0]}" in said and f"∂L/∂w¹₁,₁ = {table['dLdW']['1'][0][0]}" in said, said


def test_the_numbers_follow_the_weights_and_playing_ends_the_walk(page):
    open_app(page, NETWORK)
    settle(page)
    start_walk(page)
    page.keyboard.press("ArrowRight")   # z¹ = W¹ᵀ x + W₀¹
    z = "() => [...document.querySelectorAll('g.walk-tag[data-quantity=z]')].map((g) => g.textContent)"
    before = page.evaluate(z)
    with wait_for_api(page, "/probe", "POST"):
        page.evaluate("() => window.crease.network.callbacks.onEdit({ layer: 1, kind: 'W0', i: null, j: 0, value: 1.5 })")
    settle(page)
    after = page.evaluate(z)
    assert after[0] != before[0] and after[1:] == before[1:], (before, after)
    assert after == page.evaluate(INSPECTOR)["vectors"]["z-1"]
    assert page.evaluate("() => document.querySelector('[data-testid=walk-layer]').dataset.step") == "z-1"
    page.get_by_test_id("play").click()
    expect(page.get_by_test_id("walk-bar")).to_be_hidden()
    page.get_by_test_id("play").click()
    settle(page)

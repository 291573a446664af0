"""Lessons: every number a lesson shows, computed through the API the way the
page computes it (lessonrun.py), against the homework's answers derived here
by hand; the hand-set probe and the softmax comparison routes themselves."""
from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from engine.experiment.cli import QUESTIONS
from server.lessons import LESSONS_DIR

from . import framedecode as fd
from .apicheck import CheckedClient
from .lessonrun import FunctionLesson, read_path, value_of

E = math.e


@pytest.fixture
def api(app):
    return CheckedClient(app)


def lesson(api, name: str) -> dict:
    r = api.get(f"/api/lessons/{name}")
    assert r.status_code == 200
    return r.get_json()


# ---- the lesson files -----------------------------------------------------------------

def test_every_lesson_file_is_listed_and_served(api):
    files = sorted(p.stem for p in LESSONS_DIR.glob("*.json"))
    listed = api.get("/api/lessons").get_json()["lessons"]
    assert sorted(d["name"] for d in listed) == files
    assert [d["problem"] for d in listed] == ["1", "2", "3.3", "6"]   # the homework's order
    for name in files:
        doc = lesson(api, name)
        assert doc["name"] == name and doc["title"] and doc["summary"]


def test_adding_a_lesson_is_adding_a_file(api, tmp_path, monkeypatch):
    import server.lessons as lessons
    monkeypatch.setattr(lessons, "LESSONS_DIR", tmp_path)
    (tmp_path / "extra.json").write_text(json.dumps(
        {"title": "Extra", "problem": "9", "kind": "softmax", "summary": "s", "cases": []}))
    (tmp_path / "broken.json").write_text("{not json")
    assert [d["name"] for d in api.get("/api/lessons").get_json()["lessons"]] == ["extra"]
    assert api.get("/api/lessons/extra").get_json()["cases"] == []
    assert api.get("/api/lessons/broken").status_code == 404


@pytest.mark.parametrize("name", ["nope", "..%2Fserver%2Fapi", "UPPER", "a" * 80])
def test_unknown_lessons_are_404(api, name):
    assert api.get(f"/api/lessons/{name}").status_code == 404


def test_lesson_page_is_served(client):
    page = client.get("/lesson/one-relu")
    assert page.status_code == 200 and b"lesson.js" in page.data


@pytest.mark.parametrize("name", ["nope", "UPPER", "a" * 80])
def test_unknown_lesson_page_is_an_html_404_listing_the_lessons(client, name):
    page = client.get(f"/lesson/{name}")
    assert page.status_code == 404 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert f"No lesson named \u201c{name}\u201d" in html
    links = re.findall(r'<a href="/lesson/([a-z0-9-]+)">Problem ([\d.]+) ', html)
    assert links == [("one-relu", "1"), ("relu-softmax", "2"), ("softmax-max", "3.3"),
                     ("architecture-experiments", "6")]


def test_unknown_lesson_page_escapes_the_name(client):
    html = client.get("/lesson/%3Cb%3Ex").get_data(as_text=True)
    assert "<b>x" not in html and "&lt;b&gt;x" in html


# ---- Problem 1 --------------------------------------------------------------------------

def problem1(x, y, w1=-2.0, b1=3.0, w2=3.0, b2=0.0, lr=0.5):
    """The homework's Problem 1 by hand: forward, gradients, one SGD step."""
    z1 = w1 * x + b1
    a1 = max(z1, 0.0)
    a2 = w2 * a1 + b2
    dz2 = 2 * (a2 - y)                        # 1.2
    dz1 = dz2 * w2 if z1 > 0 else 0.0         # 1.3 (ReLU's derivative at 0 is 0)
    return {"a2": a2, "dz2": dz2, "dz1": dz1, "dw1": x * dz1, "w1_after": w1 - lr * x * dz1}


def test_one_relu_shows_the_homeworks_answers(api):
    run = FunctionLesson(api, lesson(api, "one-relu"))
    got = run.answers()
    assert got["1.1", 0] == 3.0                                        # a2 at x = 1
    assert got["1.2", 0] == 4.0 == problem1(1, 1)["dz2"]               # 2 (3 - 1)
    assert got["1.3", 0] == 0.0                                        # w1 x + b1 < 0
    assert got["1.3", 1] == 12.0 == problem1(1, 1)["dz1"]              # 4 * w2
    assert got["1.4", 0] == 12.0
    assert got["1.4", 1] == -8.0                                       # -2 - 0.5 * 12


def test_one_relu_follows_every_input_and_weight(api):
    run = FunctionLesson(api, lesson(api, "one-relu"))
    for name, value, x, y, weights in [("x", -0.5, -0.5, 1, {}), ("y", 7.0, 1, 7.0, {}),
                                       ("w_1", 1.0, 1, 1, {"w1": 1.0}), ("b_2", -1.5, 1, 1, {"b2": -1.5})]:
        run = FunctionLesson(api, lesson(api, "one-relu"))
        run.set(name, value)
        got = run.answers()
        want = problem1(x, y, **weights)
        assert got["1.1", 0] == pytest.approx(want["a2"], abs=1e-12), name
        assert got["1.2", 0] == pytest.approx(want["dz2"], abs=1e-12), name
        assert got["1.4", 1] == pytest.approx(want["w1_after"], abs=1e-12), name
    # the negative case is shown at x past the kink (1.5): dL/dz1 = 0 there, whatever y is
    assert got["1.3", 0] == 0.0


def test_one_relu_1_5_w1_unchanged_exactly_for_the_right_conditions(api):
    run = FunctionLesson(api, lesson(api, "one-relu"))
    choices = [c["text"] for c in run.lesson["questions"][-1]["options"]["choices"]]
    results = dict(zip(choices, run.options("1.5")))
    # By hand (x = 1, y = 1 unless changed): x = 0 -> dw1 = x dz1 = 0; y = 0 -> dz2 = 6,
    # dz1 = 18, w1 = -11; w1 = 0 -> z1 = 3, a2 = 9, dz1 = 48, w1 = -24; w2 = 0 -> dz1 = 0;
    # w1 x + b1 < 0 -> ReLU closed; z2 = y -> dz2 = 0.
    assert results["x = 0"] == (-2.0, -2.0)
    assert results["y = 0"] == (-2.0, problem1(1, 0)["w1_after"]) == (-2.0, -11.0)
    assert results["{w_1} = 0"] == (0.0, problem1(1, 1, w1=0.0)["w1_after"]) == (0.0, -24.0)
    assert results["{w_2} = 0"] == (-2.0, -2.0)
    assert results["{w_1}x + {b_1} < 0"] == (-2.0, -2.0)
    assert results["{z_2} = y"] == (-2.0, -2.0)


def test_one_relu_negative_side_has_no_point_when_w1_is_zero_and_the_unit_is_on(api):
    run = FunctionLesson(api, lesson(api, "one-relu"))
    run.set("w_1", 0.0)          # z1 = b1 = 3 everywhere
    assert run.answers()["1.3", 0] is None


def test_function_plot_marks_the_kink(api):
    doc = lesson(api, "one-relu")
    r = api.post("/api/probe", json={"layers": doc["network"]["layers"], "x": [1],
                                     "plot": {**doc["plot"], "samples": 61}}).get_json()
    assert r["plot"]["kinks"] == [{"x": 1.5, "y": 0.0, "unit": 0}]
    for x, y in zip(r["plot"]["x"], r["plot"]["y"]):
        assert y == pytest.approx(problem1(x, 0)["a2"], abs=1e-12)


# ---- Problem 2 --------------------------------------------------------------------------

W1 = np.array([[1, 0, -1, 0], [0, 1, 0, -1]], dtype=float)
B1 = np.array([-1, -1, -1, -1], dtype=float)


def problem2_hidden(x):
    return np.maximum(np.asarray(x, dtype=float) @ W1 + B1, 0)


def problem2_softmax(s):
    """With every output weight 1 / -1 and W0^2 = (0, 2): z^2 = (s, -s + 2)."""
    return [E ** s / (E ** s + E ** (2 - s)), E ** (2 - s) / (E ** s + E ** (2 - s))]


def plane_session(api, doc, include=()):
    """The session the lesson page creates for a "plane" lesson."""
    net = doc["network"]
    r = api.post("/api/sessions", json={
        "data": {"source": "points", "train": doc["data"]["train"]},
        "network": {k: net[k] for k in ("hidden", "activations", "output")},
        "resume": {"weights": net["weights"]}, "view": {"grid": 40, "include": list(include)}})
    assert r.status_code == 201
    return r.get_json()


def test_relu_softmax_shows_the_homeworks_answers(api):
    doc = lesson(api, "relu-softmax")
    sid = plane_session(api, doc)["session"]

    def show(qid, index):
        a = next(q for q in doc["questions"] if q["id"] == qid)["answers"][index]
        r = api.post(f"/api/sessions/{sid}/probe", json=a["probe"]).get_json()
        return value_of(a, r)

    assert show("2.2.1", 0) == [2.0, 13.0, 0.0, 0.0] == problem2_hidden([3, 14]).tolist()
    p = show("2.2.2", 0)
    assert p == pytest.approx([1 / (1 + E ** -28), E ** -28 / (1 + E ** -28)], rel=1e-12)
    for qid, x, s, cls in [("2.4 case 1", [0.5, 0.5], 0, 2), ("2.4 case 2", [0, 2], 1, "tie"),
                           ("2.4 case 3", [-2.5, -2.5], 3, 1)]:
        assert problem2_hidden(x).sum() == s
        assert show(qid, 0) == s
        assert [show(qid, 1), show(qid, 2)] == pytest.approx(problem2_softmax(s), rel=1e-12)
        assert show(qid, 3) == cls
    # 2.4's expressions, evaluated: e^3 / (e^3 + e^-1) for case 3
    assert show("2.4 case 3", 1) == pytest.approx(E ** 3 / (E ** 3 + E ** -1), rel=1e-12)

    columns = next(q for q in doc["questions"] if q["id"] == "2.3.3")["answers"][0]
    matrix = [api.post(f"/api/sessions/{sid}/probe", json={"x": x}).get_json()["layers"][0]["a"]
              for x in columns["columns"]]
    assert np.array(matrix).T.tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 2], [0, 0, 0]]


def test_relu_softmax_boundary_points_lie_on_the_first_units_line(api):
    """2.3.2: the page puts points on z^1_1 = 0 from W^1 (p0 = -b w/|w|^2, steps along the line)."""
    doc = lesson(api, "relu-softmax")
    sid = plane_session(api, doc)["session"]
    W = api.post(f"/api/sessions/{sid}/probe", json={"x": [0, 0]}).get_json()["layers"][0]
    w = np.array([W["W"][0][0], W["W"][1][0]])
    b = W["W0"][0]
    p0 = -b * w / (w @ w)
    d = np.array([-w[1], w[0]]) / np.linalg.norm(w)
    for k in (-1, 0, 1, 2):
        x = (p0 + k * d).tolist()
        assert x[0] == 1.0                      # the homework's line x1 = 1
        assert api.post(f"/api/sessions/{sid}/probe", json={"x": x}).get_json()["layers"][0]["z"][0] == 0


def test_relu_softmax_data_are_labelled_with_the_predicted_class(api):
    doc = lesson(api, "relu-softmax")
    frame = plane_session(api, doc)["frame"]
    predicted = list(base64.b64decode(frame["predictions"]))
    assert predicted == [label for _, _, label in doc["data"]["train"]]
    assert frame["extent"] == pytest.approx([-3.3, 3.3, -3.3, 3.3])
    assert len([line for line in fd.lines(frame) if line]) == 4


def test_active_units_view_counts_units_on_their_plus_side(api):
    doc = lesson(api, "relu-softmax")
    frame = plane_session(api, doc, include=["active"])["frame"]
    active = frame["active"]
    R = active["resolution"]
    count = fd.active_counts(frame)
    x0, x1, y0, y1 = frame["extent"]
    xs, ys = np.linspace(x0, x1, R), np.linspace(y0, y1, R)
    X, Y = np.meshgrid(xs, ys)                           # row i is y = ys[i]
    by_hand = (X > 1).astype(int) + (Y > 1) + (X < -1) + (Y < -1)
    away = (np.abs(np.abs(X) - 1) > 1e-3) & (np.abs(np.abs(Y) - 1) > 1e-3)
    assert active["units"] == 4 and count.max() == 2
    np.testing.assert_array_equal(count[away], by_hand[away])


def test_active_units_need_a_hidden_layer(api):
    r = api.post("/api/sessions", json={"network": {"hidden": []}, "view": {"include": ["active"]}})
    assert "active" not in r.get_json()["frame"]


# ---- 3.3 and part 6 --------------------------------------------------------------------

def test_softmax_lesson_cases(api):
    doc = lesson(api, "softmax-max")
    results = {tuple(c["z"]): api.post("/api/softmax", json={"z": c["z"]}).get_json()
               for c in doc["cases"]}
    small = results[(1, 2, 3)]
    assert small["naive"]["finite"]
    s = E + E ** 2 + E ** 3
    assert small["naive"]["g"] == pytest.approx([E / s, E ** 2 / s, E ** 3 / s], rel=1e-14)
    assert small["stable"]["g"] == pytest.approx(small["naive"]["g"], rel=1e-14)
    big = results[(1000, 999, 998)]
    assert big["naive"]["exp"] == ["inf"] * 3 and big["naive"]["g"] == ["nan"] * 3
    s = 1 + E ** -1 + E ** -2
    assert big["stable"]["g"] == pytest.approx([1 / s, E ** -1 / s, E ** -2 / s], rel=1e-14)
    assert results[(800, 1)]["naive"]["g"] == ["nan", 0.0]
    assert results[(800, 1)]["stable"]["g"] == [1.0, 0.0]
    assert results[(-1000, -1001)]["naive"]["g"] == ["nan", "nan"]
    assert [o["check"] for o in doc["questions"][0]["softmax_options"]] == \
        ["values_change", "none", "naive_fails"]


def test_experiment_lesson_presets_are_the_command_lines(api):
    presets = lesson(api, "architecture-experiments")["presets"]
    assert [p["question"] for p in presets] == list(QUESTIONS)
    for p in presets:
        data, hidden, epochs, trials, split, points, _ = QUESTIONS[p["question"]]
        assert (p["homework_data"], [tuple(h) for h in p["architectures"]], p["epochs"], p["trials"],
                p["split"], p["points"]) == (data, hidden, epochs, trials, split, points)


# ---- the routes themselves ----------------------------------------------------------------

PROBLEM1_LAYERS = [{"W": [[-2]], "W0": [3], "activation": "relu"},
                   {"W": [[3]], "W0": [0], "activation": "linear"}]


def test_hand_probe_backward_matches_finite_differences(api):
    """Every dL/dW and dL/dW0 of a 2-3-3 tanh/softmax network against central
    differences of the loss, all through POST /api/probe."""
    rng = np.random.default_rng(5)
    layers = [{"W": rng.normal(size=(2, 3)).tolist(), "W0": rng.normal(size=3).tolist(), "activation": "tanh"},
              {"W": rng.normal(size=(3, 3)).tolist(), "W0": rng.normal(size=3).tolist(), "activation": "softmax"}]
    body = {"x": [0.7, -1.3], "target": 2}
    r = api.post("/api/probe", json={"layers": layers, **body}).get_json()
    h = 1e-6

    def loss(changed):
        return api.post("/api/probe", json={"layers": changed, **body}).get_json()["loss"]
    for l, layer in enumerate(layers):
        for name, grad in (("W", "dLdW"), ("W0", "dLdW0")):
            values = np.array(layer[name], dtype=float)
            for index in np.ndindex(values.shape):
                plus, minus = json.loads(json.dumps(layers)), json.loads(json.dumps(layers))
                for side, sign in ((plus, 1), (minus, -1)):
                    v = np.array(side[l][name], dtype=float)
                    v[index] += sign * h
                    side[l][name] = v.tolist()
                numeric = (loss(plus) - loss(minus)) / (2 * h)
                assert read_path(r, f"layers.{l}.{grad}") is not None
                got = np.array(r["layers"][l][grad])[index]
                assert got == pytest.approx(numeric, rel=1e-6, abs=1e-8), (l, name, index)

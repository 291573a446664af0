"""The lesson format (server/lesson_format.py): every shipped lesson fits it,
and a broken one is refused whole with the field named, in the list, the
lesson's route and its page alike."""
from __future__ import annotations

import json
import logging

import pytest

from server.lesson_format import parse_lesson
from server.lessons import LESSONS_DIR

from .apicheck import CheckedClient


@pytest.fixture
def api(app):
    return CheckedClient(app)


@pytest.mark.parametrize("path", sorted(LESSONS_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_every_shipped_lesson_fits_the_format(path):
    doc = parse_lesson(path.stem, path.read_text(encoding="utf-8"))
    assert doc == {**json.loads(path.read_text(encoding="utf-8")), "name": path.stem}   # served as written


def shipped(name: str) -> dict:
    return json.loads((LESSONS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def broken(name: str, change) -> dict:
    doc = shipped(name)
    change(doc)
    return doc


def _set(path: str, value):
    """A change that sets doc[...path...] = value (path: 'questions.0.answers.0.value')."""
    def change(doc):
        *parts, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        for p in parts:
            doc = doc[p]
        if value is DELETE:
            del doc[last]
        else:
            doc[last] = value
    return change


DELETE = object()

BROKEN = [   # (lesson, change, the field the message names, a word of the reason)
    ("one-relu", _set("title", DELETE), "title", "Field required"),
    ("one-relu", _set("inputs.lr", DELETE), "inputs.lr", "Field required"),
    ("relu-softmax", _set("network.weights", DELETE), "network.weights", "Field required"),
    ("one-relu", _set("inputs.x", "1"), "inputs.x", "valid number"),
    ("one-relu", _set("network.layers.0.W", [[1, "2"]]), "network.layers.0.W.0.1", "valid number"),
    ("relu-softmax", _set("data.train.0", [0, 0, -1]), "data.train.0.2", "greater than or equal to 0"),
    ("softmax-max", _set("cases.1.z", "1000"), "cases.1.z", "valid array"),
    ("one-relu", _set("kind", "quiz"), "kind", "'quiz' is not one of"),
    ("one-relu", _set("kind", DELETE), "kind", "None is not one of"),
    ("one-relu", _set("questions.0.answers.0.value", "layers.0.b"), "questions.0.answers.0.value", "not a place"),
    ("one-relu", _set("questions.0.answers.0.value", "layers.2.a"), "questions.0.answers.0.value", "layers 0..1"),
    ("relu-softmax", _set("questions.0.answers.0.value", "layers.0.W_after"), "questions.0.answers.0.value",
     "needs the probe's target"),
    ("one-relu", _set("questions.4.options.after", "outputs.a"), "questions.4.options.after", "not a place"),
    ("one-relu", _set("questions.4.options.choices.2.set", {"w_9": 0}), "questions.4.options.choices.2.set.w_9",
     "not x, y, lr or one of the parameters"),
    ("one-relu", _set("parameters.0.j", 3), "parameters.0", "j in 0..0"),
    ("relu-softmax", _set("questions.3.answers.0.boundary_points.unit", 4),
     "questions.3.answers.0.boundary_points.unit", "4 units"),
    ("one-relu", _set("questions.0.answers.0.text", "fixed"), "questions.0.answers.0", "exactly one of"),
    ("one-relu", _set("questions.0.answers.0.valeu", "layers.1.a.0"), "questions.0.answers.0.valeu",
     "Extra inputs are not permitted"),
    ("one-relu", _set("colour", "class"), "colour", "Extra inputs are not permitted"),
    ("architecture-experiments", _set("presets.0.stand_in", "moon"), "presets.0.stand_in", "Input should be"),
    ("architecture-experiments", _set("presets.2.points", DELETE), "presets.2.points", "Field required"),
    ("softmax-max", _set("questions.0.softmax_options.1.check", "maybe"),
     "questions.0.softmax_options.1.check", "Input should be"),
]


@pytest.fixture
def lesson_dir(tmp_path, monkeypatch):
    import server.lessons as lessons
    monkeypatch.setattr(lessons, "LESSONS_DIR", tmp_path)
    for path in LESSONS_DIR.glob("*.json"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    return tmp_path


@pytest.mark.parametrize("name, change, field, reason", BROKEN,
                         ids=[f"{b[0]}-{b[2]}-{b[3][:16]}" for b in BROKEN])
def test_a_broken_lesson_is_refused_with_the_field_named(api, client, lesson_dir, caplog, name, change, field,
                                                         reason):
    (lesson_dir / f"{name}.json").write_text(json.dumps(broken(name, change)))
    with caplog.at_level(logging.WARNING, logger="server.lessons"):
        listed = [d["name"] for d in api.get("/api/lessons").get_json()["lessons"]]
    assert name not in listed and len(listed) == 3                     # the others still are
    logged = [r.getMessage() for r in caplog.records if name in r.getMessage()]
    assert logged and f"{field}: " in logged[0] and reason in logged[0], logged
    r = api.get(f"/api/lessons/{name}")
    assert r.status_code == 404 and r.get_json()["error"] == "invalid_lesson"
    assert f"{field}: " in r.get_json()["message"] and reason in r.get_json()["message"], r.get_json()
    page = client.get(f"/lesson/{name}")
    assert page.status_code == 404 and field in page.get_data(as_text=True)


@pytest.mark.parametrize("text, reason", [("{not json", "not JSON"), ("[1, 2]", "a JSON object")])
def test_a_lesson_that_is_not_an_object_is_refused(api, lesson_dir, text, reason):
    (lesson_dir / "odd.json").write_text(text)
    r = api.get("/api/lessons/odd")
    assert r.status_code == 404 and reason in r.get_json()["message"]

"""Lessons: the homework reproduced in the playground, one data file each.

A lesson is a JSON file in ``lessons/`` at the top of the repository (next to
``server/`` and ``engine/``, not inside either): it is content a teacher
writes, not code, and adding a lesson is adding one file there, with no
restart (the folder is read on each request; it holds a handful of small
files).  ``lessons/README.md`` describes the fields.  The page at
``/lesson/<name>`` reads the file through ``GET /api/lessons/<name>`` and
computes every answer live through the probe routes: a session's probe for
networks a session can hold, ``POST /api/probe`` for hand-set networks that
no session describes (Problem 1's one-unit regression network), and
``POST /api/softmax`` for the overflow of the textbook softmax (3.3).
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import Blueprint, render_template

from engine.handset import function_samples, network_from_layers
from engine.probe import probe
from engine.stability import compare

from .errors import ApiError
from .lesson_format import AnyLesson, LessonError, parse_lesson
from .lesson_schemas import (HandProbe, HandProbeResult, LessonList, LessonSummary, SoftmaxComparison,
                             SoftmaxInput)
from .routing import route

log = logging.getLogger(__name__)
LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"
NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
SUMMARY_FIELDS = tuple(LessonSummary.model_fields)

lessons_api = Blueprint("lessons_api", __name__, url_prefix="/api")
lesson_pages = Blueprint("lesson_pages", __name__)


def read_lesson(name: str, folder: Path | None = None) -> dict | None:
    """The lesson file ``<name>.json`` as written, with its name, or None when
    there is none; LessonError (naming the field) when it does not fit the format."""
    if not NAME.fullmatch(name):
        return None
    path = (folder or LESSONS_DIR) / f"{name}.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return parse_lesson(name, text)


def lesson_names(folder: Path | None = None) -> list[str]:
    return sorted(p.stem for p in (folder or LESSONS_DIR).glob("*.json") if NAME.fullmatch(p.stem))


def homework_order(doc: dict) -> tuple:
    """The homework's order: by problem number (3.3 before 6), then ``order``, then name."""
    return tuple(int(part) for part in doc["problem"].split(".")), doc.get("order", 0), doc["name"]


def valid_lessons() -> list[dict]:
    """Every lesson that fits the format, in the homework's order; the others are
    left out and logged with the field that is wrong (their author should know)."""
    found = []
    for name in lesson_names():
        try:
            doc = read_lesson(name)
        except LessonError as e:
            log.warning("lesson %s.json is left out: %s", name, e)
            continue
        if doc is not None:
            found.append(doc)
    return sorted(found, key=homework_order)


@route(lessons_api, "GET", "/lessons", summary="The lessons (one file each in lessons/)",
       answer=LessonList)
def list_lessons():
    return {"lessons": [{k: d[k] for k in SUMMARY_FIELDS} for d in valid_lessons()]}


@route(lessons_api, "GET", "/lessons/<name>", summary="One lesson: explanation, network, questions",
       answer=AnyLesson, errors=(404,))
def get_lesson(name: str):
    try:
        doc = read_lesson(name)
    except LessonError as e:
        log.warning("lesson %s.json is not served: %s", name, e)
        raise ApiError(404, "invalid_lesson", f"The lesson {name!r} does not fit the lesson format: {e}") from None
    if doc is None:
        raise ApiError(404, "not_found", f"No lesson named {name!r}.")
    return doc


@route(lessons_api, "POST", "/probe", summary="Probe a network given whole (hand-set; nothing stored)",
       body=HandProbe, answer=HandProbeResult, errors=(400, 413))
def probe_hand_set(body: HandProbe):
    try:
        net = network_from_layers([(layer.W, layer.W0) for layer in body.layers],
                                  [layer.activation for layer in body.layers])
        target = body.target
        units = len(body.layers[-1].W0)
        if isinstance(target, list) and len(target) != units:
            raise ValueError(f"target: {units} output values, not {len(target)}")
        if isinstance(target, int) and units > 1 and target >= units:
            raise ValueError(f"target: the classes are 0..{units - 1}")
        result = probe(net, body.x, target, body.lr if target is not None else None)
        if body.plot is not None:
            result["plot"] = function_samples(net, body.plot.lo, body.plot.hi, body.plot.samples)
    except ValueError as e:
        raise ApiError(400, "invalid_network", str(e)) from None
    return result


@route(lessons_api, "POST", "/softmax", summary="Softmax with and without subtracting max(z)",
       body=SoftmaxInput, answer=SoftmaxComparison, errors=(400,))
def softmax_comparison(body: SoftmaxInput):
    return compare(body.z)


@lesson_pages.get("/lesson/<name>")
def lesson_page(name: str):
    """A lesson; ``?answers=hide`` keeps the answers covered (a teacher's view).
    An unknown or broken one: a 404 page that lists the lessons there are."""
    try:
        found, problem = read_lesson(name) is not None, None
    except LessonError as e:
        found, problem = False, str(e)
    if not found:
        return render_template("lesson-missing.html", name=name, problem=problem,
                               lessons=valid_lessons()), 404
    return render_template("lesson.html", lesson=name)

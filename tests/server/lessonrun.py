"""The lesson page's rules for turning a lesson file into numbers, in Python,
so the tests can compute every number a lesson shows through the API and
compare it with the homework's answers derived by hand.

It follows static/js/lesson-model.js rule for rule: where a probe's x, target
and rate come from ("$x", literals, a side of a unit's kink), how a value
path reads a probe answer, "reduce": "sum" and "format": "class".
"""
from __future__ import annotations

import copy
import math


def read_path(doc, path: str):
    """'layers.0.W_after.0.0' -> doc["layers"][0]["W_after"][0][0]."""
    for part in path.split("."):
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def side_x(ctx: dict, side: str, unit: int) -> float | None:
    """An x on the given side of the first-layer unit's kink: the current x if
    it is there, else one unit of x past the kink; None if no x is (w = 0)."""
    w = ctx["layers"][0]["W"][0][unit]
    b = ctx["layers"][0]["W0"][unit]
    x = ctx["inputs"]["x"]
    z = w * x + b
    if (z < 0) if side == "negative" else (z >= 0):
        return x
    if w == 0:
        return None
    kink = -b / w
    sign = 1 if w > 0 else -1
    return kink - sign if side == "negative" else kink + sign


def resolve(spec: dict, ctx: dict) -> dict | None:
    """A probe body ({x, target?, lr?}) from an answer's probe spec."""
    x = spec["x"]
    if x == "$x":
        x = [ctx["inputs"]["x"]]
    elif isinstance(x, dict):
        found = side_x(ctx, x["side"], x["unit"])
        if found is None:
            return None
        x = [found]
    body = {"x": x}
    target = spec.get("target")
    if target == "$y":
        body["target"] = [ctx["inputs"]["y"]]
    elif target is not None:
        body["target"] = target
    lr = spec.get("lr")
    if lr is not None:
        body["lr"] = ctx["inputs"]["lr"] if lr == "$lr" else lr
    return body


def value_of(answer: dict, result: dict):
    v = read_path(result, answer["value"])
    if answer.get("reduce") == "sum":
        v = math.fsum(v)
    if answer.get("format") == "class":
        best = max(v)
        winners = [i for i, p in enumerate(v) if p == best]
        v = "tie" if len(winners) > 1 else winners[0] + 1    # the homework numbers classes from 1
    return v


class FunctionLesson:
    """A "function" lesson (hand-set network, POST /api/probe) with its live inputs."""

    def __init__(self, client, lesson: dict):
        self.client, self.lesson = client, lesson
        self.ctx = {"layers": copy.deepcopy(lesson["network"]["layers"]),
                    "inputs": dict(lesson["inputs"])}

    def set(self, name: str, value: float) -> None:
        if name in ("x", "y", "lr"):
            self.ctx["inputs"][name] = value
            return
        p = next(p for p in self.lesson["parameters"] if p["name"] == name)
        layer = self.ctx["layers"][p["layer"]]
        if p["kind"] == "W":
            layer["W"][p["i"]][p["j"]] = value
        else:
            layer["W0"][p["j"]] = value

    def probe(self, spec: dict, ctx: dict | None = None) -> dict | None:
        ctx = ctx or self.ctx
        body = resolve(spec, ctx)
        if body is None:
            return None
        answer = self.client.post("/api/probe", json={"layers": ctx["layers"], **body})
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    def answers(self) -> dict:
        """(question id, answer index) -> value, as the page shows it."""
        out = {}
        for q in self.lesson["questions"]:
            for i, a in enumerate(q.get("answers", [])):
                result = self.probe(a["probe"])
                out[q["id"], i] = None if result is None else value_of(a, result)
        return out

    def options(self, question_id: str) -> list[tuple[float, float]]:
        """[(before, after)] per choice of an "options" question."""
        q = next(q for q in self.lesson["questions"] if q["id"] == question_id)
        opts = q["options"]
        base = self.probe(opts["probe"])
        out = []
        for choice in opts["choices"]:
            trial = FunctionLesson(self.client, self.lesson)
            trial.ctx = copy.deepcopy(self.ctx)
            for name, value in choice["set"].items():
                if isinstance(value, dict) and "side" in value:
                    value = side_x(trial.ctx, value["side"], value["unit"])
                elif isinstance(value, dict):
                    value = read_path(base, value["from"])
                trial.set(name, value)
            r = trial.probe(opts["probe"])
            out.append((read_path(r, opts["before"]), read_path(r, opts["after"])))
        return out

"""The lesson file format (lessons/README.md), whole: one model per kind of
lesson and per form of answer, unknown keys refused everywhere.

A lesson file is read when it is listed or served (lessons.py); a file that
does not fit is left out and its first problem is reported with the field's
path (``questions.2.answers.0.value: ...``).  Beyond the types, the checks
here are what the page would otherwise trip over: a value path that the probe
answer has no such place for, a layer or unit that the lesson's network does
not have, a step's value read without a target or a rate, an option that sets
a weight the lesson does not name.
"""
from __future__ import annotations

import json
import re
from typing import Annotated, Literal, Union

from pydantic import Field, RootModel, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from engine.datasets import DATASETS

from .experiment_schemas import EPOCHS_MAX, TRIALS_MAX, Hidden
from .fields import INTEGRAL, Coord, Points, Rate, Share, Strict, Weight, optional
from .lesson_schemas import HandLayer, Plot
from .schemas import LayerWeights, NetworkSettings

KINDS = ("function", "plane", "softmax", "experiments")
NonNegative = Annotated[int, Field(ge=0), INTEGRAL]
Text = Annotated[str, Field(min_length=1)]

# Where a value can be read in a probe's answer (engine.probe.probe), with the
# parts of the probe it needs: "target" for the backward pass, "lr" for the step.
LAYER_FIELDS = {"z": (), "a": (), "W": (), "W0": (), "dLda": ("target",), "dLdz": ("target",),
                "dLdW": ("target",), "dLdW0": ("target",),
                "W_after": ("target", "lr"), "W0_after": ("target", "lr")}
VALUE_PATH = re.compile(
    r"layers\.(?P<layer>\d+)\.(?P<field>%s)(\.\d+){0,2}"
    r"|output\.(a|probs|class)(\.\d+)?|(?P<backward>loss|dLdx(\.\d+)?|target\.(label|y(\.\d+)?))"
    % "|".join(LAYER_FIELDS))


def _path_error(path: str, why: str):
    """An error at ``path`` below the model that raises it (parse_lesson joins the two)."""
    return PydanticCustomError("lesson_path", "{path}: {why}", {"path": path, "why": why})


def check_value_path(path: str, where: str, layers: int, probe: "Probe | None" = None) -> None:
    """A value path reads something the probe answers (lessons/README.md lists them)."""
    m = VALUE_PATH.fullmatch(path)
    if m is None:
        raise _path_error(where, f"{path!r} is not a place in a probe's answer "
                                 "(layers.<l>.z|a|W|W0|dLda|dLdz|dLdW|dLdW0|W_after|W0_after, "
                                 "output.a|probs|class, loss, dLdx, target.label|y)")
    if m["layer"] is not None and int(m["layer"]) >= layers:
        raise _path_error(where, f"{path!r}: the network has layers 0..{layers - 1}")
    needs = LAYER_FIELDS[m["field"]] if m["field"] else ("target",) if m["backward"] else ()
    for part in needs:
        if probe is not None and getattr(probe, part) is None:
            raise _path_error(where, f"{path!r} needs the probe's {part}")


# ---- answers ------------------------------------------------------------------------------

class SideOfUnit(Strict):
    """The lesson's x if first-layer unit ``unit`` has this sign there, else one past its kink."""
    side: Literal["negative", "nonnegative"]
    unit: NonNegative


class Probe(Strict):
    """Where to probe: x (a list, the lesson's "$x", or a side of a unit), and
    for the backward pass a target (class label, output values or "$y") and rate."""
    x: Union[Annotated[list[Coord], Field(min_length=1)], Literal["$x"], SideOfUnit]
    target: Union[NonNegative, Annotated[list[Weight], Field(min_length=1)], Literal["$y"]] = optional()
    lr: Union[Rate, Literal["$lr"]] = optional()


class BoundaryPoints(Strict):
    unit: NonNegative
    count: Annotated[int, Field(ge=1, le=100), INTEGRAL]


ANSWER_SOURCES = ("probe", "columns", "boundary_points", "text")


class Answer(Strict):
    """A label, optionally the homework's formula, and where the value comes
    from: exactly one of probe, columns, boundary_points (each with ``value``)
    or a fixed ``text``."""
    label: Text
    expression: str = optional()
    probe: Probe = optional()
    columns: Annotated[list[tuple[Coord, Coord]], Field(min_length=1, max_length=100)] = optional()
    boundary_points: BoundaryPoints = optional()
    text: Text = optional()
    value: Text = optional()
    reduce: Literal["sum"] = optional()
    format: Literal["class"] = optional()

    @model_validator(mode="after")
    def _one_source(self):
        given = [name for name in ANSWER_SOURCES if getattr(self, name) is not None]
        if len(given) != 1:
            raise PydanticCustomError("answer_source", "an answer has exactly one of {names}, not {given}",
                                      {"names": ", ".join(ANSWER_SOURCES), "given": ", ".join(given) or "none"})
        if (self.text is None) != (self.value is not None):
            raise PydanticCustomError("answer_value", "value goes with probe, columns or boundary_points, "
                                      "and only with them")
        return self


class Question(Strict):
    id: Text
    text: Text
    answers: list[Answer] = Field(default_factory=list)


# ---- function (Problem 1) ----------------------------------------------------------------

class FunctionNetwork(Strict):
    layers: Annotated[list[HandLayer], Field(min_length=1)]


class Parameter(Strict):
    """A weight the student can move: W[i][j] or W0[j] of a layer."""
    name: Text
    layer: NonNegative
    kind: Literal["W", "W0"]
    i: NonNegative = optional()
    j: NonNegative

    @model_validator(mode="after")
    def _index(self):
        if (self.kind == "W") != (self.i is not None):
            raise PydanticCustomError("parameter_index", "i is given for a W and only for a W")
        return self


class Inputs(Strict):
    x: Coord
    y: Weight
    lr: Rate


class FromValue(Strict):
    """The value at a path of the probe before the choice (e.g. y = z_2)."""
    from_: Text = Field(alias="from")


class Choice(Strict):
    text: Text
    set: Annotated[dict[str, Union[Weight, SideOfUnit, FromValue]], Field(min_length=1)]


class Options(Strict):
    """Each choice made true, everything else kept, one step taken; before and
    after are read from the probe (1.5)."""
    probe: Probe
    before: Text
    after: Text
    symbol: Text
    choices: Annotated[list[Choice], Field(min_length=1)]


class FunctionQuestion(Question):
    options: Options = optional()


class Lesson(Strict):
    """The fields every lesson has; ``name`` is the file's, added when read."""
    name: Text
    title: Text
    problem: Annotated[str, Field(pattern=r"^\d+(\.\d+)*$")]
    kind: Literal[KINDS]  # type: ignore[valid-type]
    summary: Text
    order: NonNegative = optional()
    explanation: list[Text] = optional()


class FunctionLesson(Lesson):
    kind: Literal["function"]
    network: FunctionNetwork
    parameters: list[Parameter]
    inputs: Inputs
    plot: Plot
    questions: list[FunctionQuestion] = Field(default_factory=list)

    @model_validator(mode="after")
    def _refers_to_its_network(self):
        layers = self.network.layers
        if len(layers[0].W) != 1:
            raise _path_error("network.layers.0.W", "a function lesson has one input (one row)")
        for k, p in enumerate(self.parameters):
            where = f"parameters.{k}"
            if p.layer >= len(layers):
                raise _path_error(f"{where}.layer", f"the network has layers 0..{len(layers) - 1}")
            rows, units = len(layers[p.layer].W), len(layers[p.layer].W0)
            if p.j >= units or (p.i is not None and p.i >= rows):
                raise _path_error(where, f"layer {p.layer} has i in 0..{rows - 1}, j in 0..{units - 1}")
        names = set(Inputs.model_fields) | {p.name for p in self.parameters}
        for q, question in enumerate(self.questions):
            check_answers(question.answers, f"questions.{q}", len(layers), layers[0].W0)
            if question.options is None:
                continue
            o, where = question.options, f"questions.{q}.options"
            check_probe(o.probe, f"{where}.probe", layers[0].W0)
            for part in ("before", "after"):
                check_value_path(getattr(o, part), f"{where}.{part}", len(layers), o.probe)
            for c, choice in enumerate(o.choices):
                for name, value in choice.set.items():
                    at = f"{where}.choices.{c}.set.{name}"
                    if name not in names:
                        raise _path_error(at, f"{name!r} is not x, y, lr or one of the parameters")
                    if isinstance(value, SideOfUnit) and value.unit >= len(layers[0].W0):
                        raise _path_error(at, f"unit {value.unit}: the first layer has {len(layers[0].W0)} units")
                    if isinstance(value, FromValue):
                        check_value_path(value.from_, f"{at}.from", len(layers), o.probe)
        return self


def check_probe(probe: Probe, where: str, first_layer: list) -> None:
    if isinstance(probe.x, SideOfUnit) and probe.x.unit >= len(first_layer):
        raise _path_error(f"{where}.x.unit", f"the first layer has {len(first_layer)} units")


def check_answers(answers: list[Answer], where: str, layers: int, first_layer: list) -> None:
    """Every answer's value path fits the network and what its probe asks for."""
    for a, answer in enumerate(answers):
        at = f"{where}.answers.{a}"
        if answer.value is not None:
            check_value_path(answer.value, f"{at}.value", layers, answer.probe)
        if answer.probe is not None:
            check_probe(answer.probe, f"{at}.probe", first_layer)
        if answer.boundary_points is not None and answer.boundary_points.unit >= len(first_layer):
            raise _path_error(f"{at}.boundary_points.unit", f"the first layer has {len(first_layer)} units")


# ---- plane (Problem 2) ---------------------------------------------------------------------

class PlaneNetwork(NetworkSettings):
    """A session's network with its weights, one {W, W0} per layer."""
    weights: Annotated[list[LayerWeights], Field(min_length=1)]

    @model_validator(mode="after")
    def _one_weight_set_per_layer(self):
        if len(self.weights) != len(self.hidden) + 1:
            raise _path_error("weights", f"{len(self.hidden)} hidden layers and the output "
                                                 f"need {len(self.hidden) + 1} weight sets, not {len(self.weights)}")
        return self


class PlaneData(Strict):
    note: str = optional()
    train: Annotated[Points, Field(min_length=1)]


class PlaneLesson(Lesson):
    kind: Literal["plane"]
    network: PlaneNetwork
    data: PlaneData
    colour: Literal["active", "class"] = optional()
    questions: list[Question] = Field(default_factory=list)

    @model_validator(mode="after")
    def _refers_to_its_network(self):
        layers = len(self.network.weights)
        for q, question in enumerate(self.questions):
            check_answers(question.answers, f"questions.{q}", layers, self.network.weights[0].W0)
            for a, answer in enumerate(question.answers):
                if answer.probe is not None and not isinstance(answer.probe.x, list):
                    raise _path_error(f"questions.{q}.answers.{a}.probe.x",
                                      "a plane lesson probes given points: x is [x1, x2]")
        return self


# ---- softmax (3.3) --------------------------------------------------------------------------

class SoftmaxCase(Strict):
    label: Text
    z: Annotated[list[float], Field(min_length=1, max_length=16)]


class SoftmaxOption(Strict):
    text: Text
    check: Literal["values_change", "naive_fails", "none"]
    note: str = optional()


class SoftmaxQuestion(Question):
    softmax_options: list[SoftmaxOption] = optional()


class SoftmaxLesson(Lesson):
    kind: Literal["softmax"]
    cases: list[SoftmaxCase]
    questions: list[SoftmaxQuestion] = Field(default_factory=list)


# ---- experiments (part 6) ---------------------------------------------------------------------

class Preset(Strict):
    """One question of part 6 as the experiment runner's settings."""
    question: Text
    text: Text
    homework_data: Text
    stand_in: Literal[tuple(DATASETS)]  # type: ignore[valid-type]
    architectures: Annotated[list[Hidden], Field(min_length=1)]
    epochs: Annotated[int, Field(ge=1, le=EPOCHS_MAX), INTEGRAL]
    trials: Annotated[int, Field(ge=1, le=TRIALS_MAX), INTEGRAL]
    split: Share
    points: Union[list[tuple[Coord, Coord]], None]


class ExperimentsLesson(Lesson):
    kind: Literal["experiments"]
    presets: Annotated[list[Preset], Field(min_length=1)]
    questions: list[Question] = Field(default_factory=list)


LESSON_KINDS = {"function": FunctionLesson, "plane": PlaneLesson, "softmax": SoftmaxLesson,
                "experiments": ExperimentsLesson}


class AnyLesson(RootModel):
    """A lesson file as written (lessons/README.md), with its name."""
    root: Annotated[Union[FunctionLesson, PlaneLesson, SoftmaxLesson, ExperimentsLesson],
                    Field(discriminator="kind")]


class LessonError(ValueError):
    """A lesson file that does not fit the format; the message names the field."""


def parse_lesson(name: str, text: str) -> dict:
    """The lesson file's JSON with its name, once it fits the format, else
    LessonError naming the first field that does not ("questions.1.answers.0.value: ...")."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise LessonError(f"not JSON: {e}") from None
    if not isinstance(doc, dict):
        raise LessonError("a lesson is a JSON object")
    doc = {**doc, "name": name}
    kind = doc.get("kind")
    if kind not in LESSON_KINDS:
        raise LessonError(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    try:
        LESSON_KINDS[kind].model_validate_json(json.dumps(doc))
    except ValidationError as e:
        first = e.errors()[0]
        loc, message = [str(part) for part in first["loc"]], first["msg"]
        if first["type"] == "lesson_path":
            loc.append(first["ctx"]["path"])
            message = first["ctx"]["why"]
        raise LessonError(f"{'.'.join(loc)}: {message}" if loc else message) from None
    return doc

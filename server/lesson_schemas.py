"""Request and answer models of the lesson routes (lessons.py).

A lesson may need a network that no session can hold: the homework's
Problem 1 is a 1-1-1 regression network with one linear output unit and the
squared loss.  ``HandProbe`` sends such a network whole, weight by weight,
with the point to probe; nothing is stored.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from engine.functions import HIDDEN_ACTIVATIONS
from engine.network import OUTPUTS

from .fields import INTEGRAL, AtMost, Coord, Label, Rate, Strict, Weight, optional

PLOT_SAMPLES_MAX = 1000
SOFTMAX_Z_MAX = 1e6     # |z|: far past where e^z overflows float64 (~709.78)

LayerActivation = Literal[tuple(dict.fromkeys((*HIDDEN_ACTIVATIONS, *OUTPUTS)))]  # type: ignore[valid-type]
Row = Annotated[list[Weight], Field(min_length=1), AtMost("max_units", items=True)]


class HandLayer(Strict):
    """One layer, the homework's way: W is m x n (input i, unit j), W0 has n
    numbers, then the activation (the last layer's is the output: linear =
    squared loss, softmax = NLL, sigmoid = binary NLL)."""
    W: Annotated[list[Row], Field(min_length=1), AtMost("max_units", items=True)]
    W0: Row
    activation: LayerActivation


class Plot(Strict):
    """A one-input network as a function: ``samples`` x values from ``lo`` to ``hi``."""
    lo: Coord
    hi: Coord
    samples: Annotated[int, Field(ge=2, le=PLOT_SAMPLES_MAX), INTEGRAL] = 200

    @model_validator(mode="after")
    def _ordered(self):
        if not self.lo < self.hi:
            raise PydanticCustomError("plot_range", "plot: lo must be below hi")
        return self


class HandProbe(Strict):
    """A network given whole, a point x (one number per input), and with
    ``target`` the backward pass of one SGD step at rate ``lr``: a class label
    (softmax, sigmoid) or the output values (a linear output: [y]).  Whether the
    layers make a network (shapes chain, outputs last) is the engine's check:
    400 ``invalid_network``."""
    layers: Annotated[list[HandLayer], Field(min_length=1), AtMost("max_layers", 1, items=True)]
    x: Annotated[list[Coord], Field(min_length=1), AtMost("max_units", items=True)]
    target: Union[Label, Annotated[list[Weight], Field(min_length=1),
                                   AtMost("max_units", items=True)]] = optional()
    lr: Rate = optional()
    plot: Plot = optional()


class SoftmaxInput(Strict):
    """Pre-activations z of one softmax layer."""
    z: Annotated[list[Annotated[float, Field(ge=-SOFTMAX_Z_MAX, le=SOFTMAX_Z_MAX)]],
                 Field(min_length=1, max_length=16)]


# --- answers -------------------------------------------------------------------------

class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class HandProbeResult(Open):
    """engine.probe's dict (as POST /api/sessions/{id}/probe answers), plus
    ``plot`` {x, y, kinks} when asked."""


class SoftmaxComparison(BaseModel):
    """engine.stability.compare: both formulas; non-finite numbers as "inf"/"-inf"/"nan"."""
    model_config = ConfigDict(extra="forbid")
    z: list[float]
    max: float
    naive: dict[str, Any]
    stable: dict[str, Any]
    exp_limit: float


class LessonSummary(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    title: str
    problem: str
    kind: Literal["function", "plane", "experiments", "softmax"]
    summary: str


class LessonList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lessons: list[LessonSummary]


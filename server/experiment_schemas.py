"""Request and answer models of the experiment runner (experiments.py).

The fields mirror ``python -m engine.experiment`` (the homework's
``run_pytorch_2d``): the same data, architectures, epochs, trials, split,
seed, optimizer and batch size give the same numbers on the page and on the
command line.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from engine.network import INITS

from .fields import INTEGRAL, AtMost, Coord, DatasetName, Rate, Seed, Share, Strict, optional
from .schemas import _source_of

EPOCHS_MAX = 2000
TRIALS_MAX = 50
ARCHITECTURES_MAX = 8
PREDICT_POINTS_MAX = 100
BUDGET_MS_MAX = 500      # a chunk's compute: well inside any gateway or gunicorn timeout

Hidden = Annotated[list[Annotated[int, Field(ge=1), AtMost("max_units"), INTEGRAL]],
                   AtMost("max_layers", items=True)]


class GeneratedSource(Strict):
    """A built-in dataset drawn with the experiment's seed (as the command line does)."""
    source: Literal["generated"] = "generated"
    name: DatasetName = "clusters"
    n: Annotated[int, Field(ge=4), AtMost("max_points"), INTEGRAL] = 400
    noise: Annotated[float, Field(ge=0, le=1)] = optional()


class FileSource(Strict):
    """The homework's files (``x1 x2 label`` per line): training, and a
    validation file or else ``split`` held out."""
    source: Literal["file"]
    text: Annotated[str, Field(min_length=1)]
    val_text: Annotated[str, Field(min_length=1)] = optional()


ExperimentData = Annotated[
    Union[Annotated[GeneratedSource, Tag("source:generated")], Annotated[FileSource, Tag("source:file")]],
    Discriminator(_source_of, custom_error_type="source",
                  custom_error_message="data.source must be generated or file")]


class ExperimentCreate(Strict):
    """Architectures to compare (hidden layer sizes; [] is no hidden layer),
    each trained ``trials`` times from fresh weights for ``epochs`` epochs:
    ReLU hidden layers, softmax + cross-entropy, minibatches of ``batch_size``
    in one order, weights drawn by ``init`` (PyTorch's default, as the course's
    harness, or the homework's).  ``points``: [x1, x2] rows whose predicted
    classes every trial reports."""
    data: ExperimentData = Field(default_factory=GeneratedSource)
    architectures: Annotated[list[Hidden], Field(min_length=1, max_length=ARCHITECTURES_MAX)]
    epochs: Annotated[int, Field(ge=1, le=EPOCHS_MAX), INTEGRAL] = 200
    trials: Annotated[int, Field(ge=1, le=TRIALS_MAX), INTEGRAL] = 5
    split: Share = 0.25
    seed: Seed = 0
    optimizer: Literal["adam", "sgd"] = "adam"
    lr: Rate = 0.001
    batch_size: Annotated[int, Field(ge=1), AtMost("max_points"), INTEGRAL] = 32
    init: Literal[tuple(INITS)] = "pytorch"   # type: ignore[valid-type]
    points: Annotated[list[tuple[Coord, Coord]], Field(max_length=PREDICT_POINTS_MAX)] = optional()


class ChunkRequest(Strict):
    """Advance one part for at most ``budget_ms`` of compute."""
    part: Annotated[int, Field(ge=0, lt=ARCHITECTURES_MAX * TRIALS_MAX), INTEGRAL]
    budget_ms: Annotated[int, Field(ge=1, le=BUDGET_MS_MAX), INTEGRAL] = 400


class ResultsQuery(Strict):
    model_config = ConfigDict(strict=False)  # query strings are strings
    grid: Annotated[int, Field(ge=10, le=200)] = 80


# --- answers -------------------------------------------------------------------------

class Described(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Progress(Described):
    trials_done: int
    trials: int
    epoch: int
    epochs: int
    steps_done: int
    steps_total: int
    fraction: float
    seconds: float


class Part(Described):
    part: int
    architecture: int
    hidden: list[int]
    first_trial: int
    trials: int
    done: bool
    progress: Progress


class ExperimentStatus(Described):
    experiment: str
    architectures: list[list[int]]
    n_train: int
    n_val: int
    n_classes: int
    parts: list[Part]
    progress: Progress
    done: bool


class ChunkDone(Described):
    part: int
    done: bool
    progress: Progress


class ExperimentResults(BaseModel):
    """Per architecture, ``engine.experiment.merge_results`` of its parts (without
    the trials' weights) with the decision regions of its best and worst trial;
    the points, and the view the regions cover."""
    model_config = ConfigDict(extra="allow")
    experiment: str
    done: bool
    degraded: dict[str, Any] | None = Field(
        None, description="the regions were drawn on a coarser grid than asked, to stay in "
        "FRAME_BUDGET_MS: {budget_ms, estimate_ms, asked: {grid}, drawn: {grid}}")
    extent: tuple[float, float, float, float]
    points: dict[str, list[tuple[float, float, int]]]
    predict_points: list[tuple[float, float]] | None
    architectures: list[dict[str, Any]]


# --- every trial (experiment_trials.py) ----------------------------------------------

class TrialsQuery(Strict):
    model_config = ConfigDict(strict=False)  # query strings are strings
    grid: Annotated[int, Field(ge=10, le=200)] = 40


class TrialOpen(Strict):
    """Which finished trial to open in the playground."""
    architecture: Annotated[int, Field(ge=0, lt=ARCHITECTURES_MAX), INTEGRAL]
    trial: Annotated[int, Field(ge=0, lt=TRIALS_MAX), INTEGRAL]


class TrialOpened(Described):
    session: str
    architecture: int
    trial: int
    epoch: int
    step: int


class TrialMultiples(BaseModel):
    """Every finished trial of each architecture, as a small multiple: its
    class regions on a small grid, its first-layer unit lines (w1, w2, b), its
    validation accuracy and verdict ("fine", "poor", "stuck":
    ``engine.experiment.summary.verdicts``)."""
    model_config = ConfigDict(extra="allow")
    experiment: str
    done: bool
    degraded: dict[str, Any] | None = None
    extent: tuple[float, float, float, float]
    poor_margin: float = Field(description="a trial this far below the best one's accuracy is 'poor'")
    points: dict[str, list[tuple[float, float, int]]]
    architectures: list[dict[str, Any]]

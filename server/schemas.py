"""Request models: every body and query parameter the playground's API accepts
(built from fields.py; the lessons' and experiments' are beside it).

Shapes that depend on the session (a weight matrix's size, a label against
the data's classes) are checked in runs.py.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import ConfigDict, Discriminator, Field, PrivateAttr, RootModel, Tag, model_validator
from pydantic_core import PydanticCustomError, core_schema

from engine.datasets import DATASETS, NOISE_MAX
from engine.network import INITS
from engine.training import DTYPES

from .downloads import FORMATS
from .fields import (COUNT_MAX, HISTORY_MAX, INTEGRAL, Activation, AtMost, Coord, DatasetName, Label,
                     Points, Rate, Seed, Share, Strict, Unit, Weight, limits_of, optional)


# --- settings ----------------------------------------------------------------------

class NetworkSettings(Strict):
    """Hidden layer sizes and activations (relu for all when left out), output
    kind, and how the initial weights are drawn: the homework's (W ~ N(0, 1/m),
    zero biases) or PyTorch's default (W and biases uniform in +-1/sqrt(m))."""
    hidden: Annotated[list[Annotated[int, Field(ge=1), AtMost("max_units"), INTEGRAL]],
                      AtMost("max_layers", items=True)] = Field(default_factory=lambda: [8])
    activations: Annotated[list[Activation], AtMost("max_layers", items=True)] = optional()
    output: Literal["softmax", "sigmoid", "linear"] = "softmax"
    init: Literal[tuple(INITS)] = "homework"   # type: ignore[valid-type]

    @model_validator(mode="after")
    def _one_activation_per_layer(self):
        if self.activations is None:
            self.activations = ["relu"] * len(self.hidden)
        elif len(self.activations) != len(self.hidden):
            raise PydanticCustomError(
                "activations_mismatch", "{n} hidden layers need {n} activations, not {m}",
                {"n": len(self.hidden), "m": len(self.activations)})
        return self


class TrainingSettings(Strict):
    """Optimizer and hyperparameters (defaults: PyTorch's for Adam), and the
    precision the run computes in: float64, or float32 as PyTorch does by
    default (a change keeps the weights, rounded to float32 going down)."""
    optimizer: Literal["sgd", "adam"] = "sgd"
    lr: Rate = 0.03
    momentum: Annotated[float, Field(ge=0, lt=1)] = 0.0
    batch_size: Annotated[int, Field(ge=1), AtMost("max_points"), INTEGRAL] = 10
    weight_decay: Annotated[float, Field(ge=0, le=1)] = 0.0
    beta1: Annotated[float, Field(ge=0, lt=1)] = 0.9
    beta2: Annotated[float, Field(ge=0, lt=1)] = 0.999
    eps: Annotated[float, Field(gt=0, le=1)] = 1e-8
    reduction: Literal["mean", "sum"] = "mean"
    dtype: Literal[DTYPES] = "float64"   # type: ignore[valid-type]


class GeneratedData(Strict):
    """A built-in dataset (GET /api/datasets); noise and classes default to the dataset's."""
    source: Literal["generated"] = "generated"
    name: DatasetName = "circle"
    n: Annotated[int, Field(ge=2), AtMost("max_points"), INTEGRAL] = 400
    noise: Annotated[float, Field(ge=0, le=NOISE_MAX)] = optional()
    classes: Annotated[int, Field(ge=2), AtMost("max_classes"), INTEGRAL] = optional()
    val_share: Share = 0.25
    seed: Seed = 1

    @model_validator(mode="after")
    def _fits_dataset(self):
        entry = DATASETS[self.name]
        lo, hi = entry.class_range
        if self.classes is not None and not lo <= self.classes <= hi:
            raise PydanticCustomError("dataset_classes", "{name} has {lo} to {hi} classes",
                                      {"name": self.name, "lo": lo, "hi": hi})
        k = self.classes or entry.n_classes
        if self.n < k:
            raise PydanticCustomError("too_few_points", "need at least one point per class ({k})",
                                      {"k": k})
        return self


class PointsData(Strict):
    """Points given one by one: ``[x1, x2, label]`` with labels 0..k-1."""
    source: Literal["points"]
    train: Annotated[Points, Field(min_length=1)]
    val: Points = Field(default_factory=list)

    @model_validator(mode="after")
    def _total(self, info: core_schema.ValidationInfo):
        bound = limits_of(info).max_points
        if len(self.train) + len(self.val) > bound:
            raise PydanticCustomError("limit_exceeded", "at most {bound} points in all "
                                      "(this server's limit)", {"bound": bound})
        return self


class FileData(Strict):
    """A data file in the homework's format (``x1 x2 label`` per line); a
    second file for validation, or a share of the first one held out."""
    source: Literal["file"]
    text: Annotated[str, Field(min_length=1)]
    val_text: Annotated[str, Field(min_length=1)] = optional()
    val_share: Share = 0.25
    seed: Seed = 1


def _source_of(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    return f"source:{value.get('source', 'generated')}"


DataSettings = Annotated[
    Union[Annotated[GeneratedData, Tag("source:generated")], Annotated[PointsData, Tag("source:points")],
          Annotated[FileData, Tag("source:file")]],
    Discriminator(_source_of, custom_error_type="source",
                  custom_error_message="data.source must be generated, points or file")]
# Union members are tagged "kind:name"; routing.field_path drops tags from error locations.


class View(Strict):
    """How the frame is drawn: grid cells per side, history since which epoch,
    extras (unit curves of some hidden layers, thumbnails, linear-region
    count and dead units, class probabilities, the points, active first-layer
    units per cell, each cell's linear region for the tint view)."""
    grid: Annotated[int, Field(ge=2), AtMost("max_grid"), INTEGRAL] = 100
    since_epoch: Annotated[int, Field(ge=0, le=COUNT_MAX), INTEGRAL] = 0
    include: Annotated[list[Literal["curves", "thumbnails", "regions", "probs", "points", "active",
                                    "tint"]],
                       Field(max_length=7)] = Field(default_factory=list)
    curve_layers: Annotated[list[Annotated[int, Field(ge=1), AtMost("max_layers"), INTEGRAL]],
                            AtMost("max_layers", items=True)] = Field(default_factory=list)
    thumb: Annotated[int, Field(ge=4, le=64), INTEGRAL] = 16
    _degraded: dict | None = PrivateAttr(default=None)   # set by cost.fit_view

    @property
    def degraded(self) -> dict | None:
        """What the cost model changed to keep the frame in its budget (None: nothing)."""
        return self._degraded


class WithView(Strict):
    view: View = optional()


# --- request bodies ----------------------------------------------------------------

class LayerWeights(Strict):
    W: Annotated[list[list[Weight]], Field(min_length=1)]   # m x n
    W0: Annotated[list[Weight], Field(min_length=1)]        # n


class History(Strict):
    """Per finished epoch; the lists have one entry per epoch (None: no validation set)."""
    epoch: Annotated[list[Annotated[int, Field(ge=1, le=COUNT_MAX), INTEGRAL]],
                     Field(max_length=HISTORY_MAX)]
    train_loss: Annotated[list[float | None], Field(max_length=HISTORY_MAX)]
    train_acc: Annotated[list[float | None], Field(max_length=HISTORY_MAX)]
    val_loss: Annotated[list[float | None], Field(max_length=HISTORY_MAX)]
    val_acc: Annotated[list[float | None], Field(max_length=HISTORY_MAX)]

    @model_validator(mode="after")
    def _same_lengths(self):
        lengths = {len(v) for v in (self.epoch, self.train_loss, self.train_acc,
                                    self.val_loss, self.val_acc)}
        if len(lengths) > 1:
            raise PydanticCustomError("history_lengths", "history lists differ in length")
        return self


class Resume(Strict):
    """What the page holds of an expired session: weights, counters, history."""
    weights: Annotated[list[LayerWeights], Field(min_length=1), AtMost("max_layers", 1, items=True)]
    step: Annotated[int, Field(ge=0, le=COUNT_MAX), INTEGRAL] = 0
    epoch: Annotated[int, Field(ge=0, le=COUNT_MAX), INTEGRAL] = 0
    history: History = optional()


class SessionCreate(WithView):
    data: DataSettings = Field(default_factory=GeneratedData)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    training: TrainingSettings = Field(default_factory=TrainingSettings)
    seed: Seed = 1
    resume: Resume = optional()


class Advance(WithView):
    """Exactly one of ``steps`` (minibatch steps) and ``epochs``."""
    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["steps"]},
                                                           {"required": ["epochs"]}]})
    steps: Annotated[int, Field(ge=1), AtMost("max_steps"), INTEGRAL] = optional()
    epochs: Annotated[int, Field(ge=1), AtMost("max_epochs"), INTEGRAL] = optional()

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.steps is None) == (self.epochs is None):
            raise PydanticCustomError("steps_or_epochs", "give exactly one of steps and epochs")
        return self


class TrainingUpdate(TrainingSettings, WithView):
    """Only the fields sent change; weights and optimizer state are kept."""


class NetworkUpdate(NetworkSettings, WithView):
    pass


class GeneratedDataUpdate(GeneratedData, WithView):
    pass


class PointsDataUpdate(PointsData, WithView):
    pass


class FileDataUpdate(FileData, WithView):
    pass


class DataUpdate(RootModel):
    root: Annotated[
        Union[Annotated[GeneratedDataUpdate, Tag("source:generated")],
              Annotated[PointsDataUpdate, Tag("source:points")], Annotated[FileDataUpdate, Tag("source:file")]],
        Discriminator(_source_of, custom_error_type="source",
                      custom_error_message="source must be generated, points or file")]


class FrameRequest(WithView):
    """Only a view: draw the session as it is, without training."""


class ReplayAt(WithView):
    """One of the epochs the session keeps (GET /api/sessions/{id}/replay lists them)."""
    epoch: Annotated[int, Field(ge=0, le=COUNT_MAX), INTEGRAL]


class Reset(WithView):
    """Re-initialise the weights from ``seed`` (the session's own when left out)."""
    seed: Seed = optional()


LayerIndex = Annotated[int, Field(ge=0), AtMost("max_layers"), INTEGRAL]


class LayerEdit(WithView):
    """Replace a whole layer's W (m x n) and/or W0 (n)."""
    model_config = ConfigDict(json_schema_extra={"anyOf": [{"required": ["W"]},
                                                           {"required": ["W0"]}]})
    layer: LayerIndex
    W: Annotated[list[list[Weight]], Field(min_length=1)] = optional()
    W0: Annotated[list[Weight], Field(min_length=1)] = optional()

    @model_validator(mode="after")
    def _something(self):
        if self.W is None and self.W0 is None:
            raise PydanticCustomError("nothing_to_set", "give W, W0 or both")
        return self


class WeightEdit(WithView):
    """Set one entry: W[i][j] (input i, unit j) or W0[j] (``i`` is not given then)."""
    model_config = ConfigDict(json_schema_extra={"oneOf": [
        {"properties": {"kind": {"const": "W"}}, "required": ["i"]},
        {"properties": {"kind": {"const": "W0"}}, "not": {"required": ["i"]}}]})
    layer: LayerIndex
    kind: Literal["W", "W0"]
    i: Unit = optional()
    j: Unit
    value: Weight

    @model_validator(mode="after")
    def _index(self):
        if (self.kind == "W") != (self.i is not None):
            raise PydanticCustomError("weight_index", "W needs i and j; W0 needs j only")
        return self


class WeightsUpdate(RootModel):
    root: Annotated[
        Union[Annotated[LayerEdit, Tag("edit:layer")], Annotated[WeightEdit, Tag("edit:one")]],
        Discriminator(lambda v: "edit:one" if isinstance(v, dict) and "kind" in v else "edit:layer")]


class Probe(Strict):
    """A point; with ``target`` also the backward pass of one SGD step (rate ``lr``,
    the session's when left out)."""
    x: tuple[Coord, Coord]
    target: Label = optional()
    lr: Rate = optional()


class ProbeApply(Probe, WithView):
    target: Label


class NewPoint(Strict):
    x: tuple[Coord, Coord]
    label: Label
    split: Literal["train", "val"] = "train"


class PointRef(Strict):
    split: Literal["train", "val"]
    index: Annotated[int, Field(ge=0), AtMost("max_points", -1), INTEGRAL]


class PointsEdit(WithView):
    """Remove points (indices into the current lists), then add points."""
    add: Annotated[list[NewPoint], AtMost("max_points", items=True)] = Field(default_factory=list)
    remove: Annotated[list[PointRef], AtMost("max_points", items=True)] = Field(default_factory=list)


class ExportQuery(Strict):
    model_config = ConfigDict(strict=False)  # query strings are strings
    format: Literal[FORMATS] = "json"   # type: ignore[valid-type]


class SessionImport(WithView):
    """An export (GET .../export?format=json, engine.export.run_export) sent back.
    The engine reads the checkpoint exactly; ``weights``, if given, win over it
    (a hand-edited file loads as edited).  Other keys of the export
    (network, training, seed, step, epoch, history) are informative."""
    model_config = ConfigDict(extra="allow")
    format: Literal["crease-network"]
    version: Literal[1]
    checkpoint: dict[str, Any]
    weights: Annotated[list[LayerWeights], AtMost("max_layers", 1, items=True)] = optional()

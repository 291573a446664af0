"""Response models: what each route answers, for the OpenAPI document and
for the tests that validate every answer against it.  The views build plain
dicts (frames.py); these models only describe them.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

XY = tuple[float, float]
Polyline = list[XY]


class Described(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Error(Described):
    error: str = Field(description="machine-readable code, e.g. invalid_json, limit_exceeded")
    message: str
    field: str | None = Field(description="dotted path of the offending field, e.g. network.hidden.0")


class Health(Described):
    ok: bool
    store: Literal["memory", "redis"]
    error: str | None = None
    message: str | None = None


class Counters(Described):
    step: int
    epoch: int
    batch_in_epoch: int
    batches_per_epoch: int


class AdvanceDone(Described):
    requested: dict[Literal["steps", "epochs"], int]
    steps_done: int
    partial: bool = Field(description="true when the time budget ran out before all was done")


class DrawnView(Described):
    grid: int
    thumb: int
    include: list[str]


class Degraded(Described):
    """The frame was drawn coarser than asked to stay in FRAME_BUDGET_MS (server/cost.py)."""
    budget_ms: int
    estimate_ms: float = Field(description="the cost model's estimate of what was drawn")
    asked: DrawnView
    drawn: DrawnView


class Metrics(Described):
    train_loss: float | None
    train_acc: float | None
    val_loss: float | None
    val_acc: float | None


class HistorySince(Described):
    from_epoch: int
    epoch: list[int]
    train_loss: list[float | None]
    train_acc: list[float | None]
    val_loss: list[float | None]
    val_acc: list[float | None]


class Grid(Described):
    resolution: int
    n_classes: int
    encoding: Literal["zlib+base64"]
    data: str = Field(description="deflate(classes uint8 RxR ++ confidence uint8 RxR), row i = y")
    probs: str | None = Field(None, description="deflate(k planes uint8 RxR), with include probs")


class UnitLines(Described):
    units: int
    encoding: Literal["float32+base64"]
    data: str = Field(description=(
        "base64 of units x 4 little-endian float32s: per first-layer unit [x0, y0, x1, y1], its "
        "line's segment in the view; NaNs: no line (dead unit, or outside the view)"))


class Thumbnails(Described):
    layer: int
    size: int
    data: str = Field(description="base64 uint8, units * size * size")
    scale: tuple[float, float]


class RegionIds(Described):
    resolution: int
    palette: int = Field(description="tints are 0 .. palette - 1")
    encoding: Literal["zlib+base64+uint16le", "zlib+base64+uint32le"]
    data: str = Field(description="deflate(little-endian ids RxR): each cell's linear region, "
                                  "numbered by first appearance, row i = y")
    tints: str = Field(description="base64 uint8, one per region: its tint, which follows its "
                                   "on/off pattern; regions across one crease never share one")


class Regions(Described):
    count: int = Field(description="linear regions on the grid: distinct on/off patterns of the ReLU units")
    relu_units: int
    dead: list[list[int]] = Field(description="per hidden layer, the ReLU units off on every training point")
    ids: RegionIds | None = Field(None, description="with include tint")


class ActiveUnits(Described):
    resolution: int
    units: int
    encoding: Literal["zlib+base64+uint16le"]
    data: str = Field(description="deflate(little-endian uint16 RxR): first-layer units with z > 0 "
                                  "per cell, row i = y")


class LayerWeightsOut(Described):
    shape: tuple[int, int]
    dtype: Literal["float64", "float32"] = Field(description="the run's precision, that of W and W0")
    W: str = Field(description="base64 little-endian in dtype (exact), m*n, row-major")
    W0: str = Field(description="base64 little-endian in dtype (exact), n")


class LayerInfo(Described):
    units: int
    activation: str


class DataRevision(Described):
    revision: int


class PointLists(Described):
    train: list[tuple[float, float, int]]
    val: list[tuple[float, float, int]]


class Frame(Described):
    version: Literal[1]
    session: str
    resumed: bool
    counters: Counters
    advance: AdvanceDone | None
    degraded: Degraded | None = None
    state: Literal["ready", "training", "diverged"]
    diverged_at: dict[Literal["epoch", "step"], int] | None
    metrics: Metrics
    history: HistorySince
    extent: tuple[float, float, float, float]
    grid: Grid
    lines: UnitLines
    boundary: list[Polyline]
    curves: dict[str, list[list[Polyline]]] | None = None
    thumbnails: list[Thumbnails] | None = None
    regions: Regions | None = None
    active: ActiveUnits | None = None
    weights: list[LayerWeightsOut]
    layers: list[LayerInfo]
    predictions: str = Field(description="base64 uint8: predicted class of every point, train then val")
    data: DataRevision
    points: PointLists | None = None


class SessionCreated(Described):
    session: str
    frame: Frame


class SessionInfo(Described):
    session: str
    settings: dict
    frame: Frame


class ReplayInfo(Described):
    epochs: list[int] = Field(description="the epochs kept to replay and branch from, ascending")
    bytes: int = Field(description="their stored size in all")
    max_checkpoints: int = Field(description="REPLAY_CHECKPOINTS")
    max_bytes: int = Field(description="REPLAY_KB in bytes, or less on Redis where this session's own "
                                       "bytes leave less of SESSION_MAX_KB")
    refused: int = Field(description="bytes of one epoch too large to keep (REPLAY_KB), or 0")


class DatasetInfo(Described):
    name: str
    title: str
    description: str
    classes: int
    class_range: tuple[int, int]
    default_noise: float
    bound: float


class Datasets(Described):
    datasets: list[DatasetInfo]
    limits: dict[str, float]   # config.Limits, and the learning rate's bounds lr_min, lr_max
    noise_max: float


class DatafileInfo(Described):
    points: int
    classes: int
    label_counts: list[int]
    extent: tuple[float, float, float, float]
    data: list[tuple[float, float, int]]


class ProbeResult(BaseModel):
    """One point through the network (engine.probe): every layer's values, and
    with a target the backward pass of one SGD step."""
    model_config = ConfigDict(extra="allow")

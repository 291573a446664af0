"""Requests turned into engine runs, and checked against the run they change.

The schemas (schemas.py) check what a body says on its own; what depends on
the session (a layer's shape, a label against the data's classes, the
parameter count of a network over this data) is checked here, each refusal
an ApiError naming the field.
"""
from __future__ import annotations

import numpy as np

from engine.network import NetworkSpec
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig, thin_history

from .config import Limits
from .datasource import DataArrays
from .errors import ApiError
from .schemas import LayerEdit, NetworkSettings, PointsEdit, TrainingSettings, WeightEdit


def new_run(data: DataArrays, network: NetworkSettings, training: TrainingSettings, seed: int,
            limits: Limits, field: str | None) -> Run:
    """A fresh run on ``data``; ``field`` (e.g. "network") prefixes error fields."""
    prefix = f"{field}." if field else ""
    try:
        spec = NetworkSpec(2, tuple(network.hidden), tuple(network.activations),
                           network.output, data.n_classes, network.init)
    except ValueError as e:
        raise ApiError(400, "invalid_network", f"{prefix}output: {e}", f"{prefix}output") from None
    check_params(spec, limits, f"{prefix}hidden")
    return Run(spec, data.X_train, data.y_train, data.X_val, data.y_val,
               train_config(training), seed)


def check_params(spec: NetworkSpec, limits: Limits, field: str) -> None:
    if spec.n_params() > limits.max_params:
        raise ApiError(400, "limit_exceeded", f"{field}: {spec.n_params()} parameters; "
                       f"this server allows {limits.max_params}", field)


def train_config(t: TrainingSettings) -> TrainConfig:
    opt = OptimizerSpec(t.optimizer, t.lr, t.momentum, t.beta1, t.beta2, t.eps, t.weight_decay)
    return TrainConfig(opt, t.batch_size, t.reduction, t.dtype)


def network_settings(run: Run) -> dict:
    """``run``'s network as NetworkSettings fields."""
    spec = run.spec
    return {"hidden": list(spec.hidden), "activations": list(spec.activations),
            "output": spec.output, "init": spec.init}


def training_settings(run: Run) -> dict:
    """``run``'s hyperparameters as TrainingSettings fields (train_config's inverse)."""
    opt, config = run.config.optimizer, run.config
    return {"optimizer": opt.name, "lr": opt.lr, "momentum": opt.momentum,
            "batch_size": config.batch_size, "weight_decay": opt.weight_decay,
            "beta1": opt.beta1, "beta2": opt.beta2, "eps": opt.eps,
            "reduction": config.reduction, "dtype": config.dtype}


def data_settings(data) -> dict:
    """What GET shows of the data settings: points and file texts are left out
    (the frame carries the points)."""
    if data.source == "generated":
        return data.model_dump(exclude={"view"})
    if data.source == "file":
        return {"source": "file", "val_share": data.val_share, "seed": data.seed,
                "val_file": data.val_text is not None}
    return {"source": "points"}


def layer_shape(run: Run, layer: int) -> tuple[tuple[int, int], int]:
    sizes = run.spec.layer_sizes
    if layer >= len(sizes) - 1:
        raise ApiError(400, "out_of_range", f"layer: this network has layers 0..{len(sizes) - 2}",
                       "layer")
    return (sizes[layer], sizes[layer + 1]), sizes[layer + 1]


def check_index(name: str, value: int, size: int) -> None:
    if value >= size:
        raise ApiError(400, "out_of_range", f"{name}: must be below {size}", name)


def check_target(run: Run, target: int | None) -> None:
    if target is not None and target >= run.spec.n_classes:
        raise ApiError(400, "out_of_range", f"target: the classes are 0..{run.spec.n_classes - 1}",
                       "target")


def set_weights(run: Run, body: LayerEdit | WeightEdit) -> None:
    """One weight or bias, or a whole layer, written into ``run``, its shape checked."""
    (m, n), _ = layer_shape(run, body.layer)
    if isinstance(body, WeightEdit):
        check_index("j", body.j, n)
        if body.kind == "W":
            check_index("i", body.i, m)
            run.set_weight(body.layer, body.i, body.j, body.value)
        else:
            run.set_bias(body.layer, body.j, body.value)
        return
    if body.W is not None and (len(body.W) != m or any(len(r) != n for r in body.W)):
        raise ApiError(400, "wrong_shape", f"W: layer {body.layer} needs {m} rows of {n} numbers", "W")
    if body.W0 is not None and len(body.W0) != n:
        raise ApiError(400, "wrong_shape", f"W0: layer {body.layer} needs {n} numbers", "W0")
    run.set_layer(body.layer, body.W, body.W0)


def resume(run: Run, state) -> None:
    """Weights, counters and history the page held (the optimizer starts afresh)."""
    sizes = run.spec.layer_sizes
    if len(state.weights) != len(sizes) - 1:
        raise ApiError(400, "wrong_shape", f"resume.weights: this network has {len(sizes) - 1} "
                       "layers", "resume.weights")
    for layer, (lw, m, n) in enumerate(zip(state.weights, sizes[:-1], sizes[1:])):
        if len(lw.W) != m or any(len(row) != n for row in lw.W) or len(lw.W0) != n:
            raise ApiError(400, "wrong_shape", f"resume.weights.{layer}: W must be {m} x {n} "
                           f"and W0 {n} numbers", f"resume.weights.{layer}")
        run.set_layer(layer, lw.W, lw.W0)
    run.step, run.epoch = state.step, state.epoch
    if state.history is not None:
        run.history = thin_history(state.history.model_dump())
    run.state = "training" if state.step else "ready"


def edited_points(run: Run, body: PointsEdit, max_points: int):
    """The run's points with ``body.remove`` taken out, then ``body.add`` put in:
    (X_train 2 x n, y_train (n,), X_val 2 x v, y_val (v,))."""
    splits = {"train": (run.X_train, run.y_train), "val": (run.X_val, run.y_val)}
    keep = {name: np.ones(y.shape[0], dtype=bool) for name, (_, y) in splits.items()}
    for i, ref in enumerate(body.remove):
        check_index(f"remove.{i}.index", ref.index, keep[ref.split].shape[0])
        keep[ref.split][ref.index] = False
    out = {}
    for name, (X, y) in splits.items():
        new = [(p.x, p.label) for p in body.add if p.split == name]
        for i, p in enumerate(body.add):
            if p.label >= run.spec.n_classes:
                raise ApiError(400, "out_of_range", f"add.{i}.label: the classes are "
                               f"0..{run.spec.n_classes - 1}", f"add.{i}.label")
        X_new = np.array([x for x, _ in new], dtype=np.float64).reshape(-1, 2).T
        y_new = np.array([label for _, label in new], dtype=np.int64)
        out[name] = (np.hstack([X[:, keep[name]], X_new]), np.concatenate([y[keep[name]], y_new]))
    if out["train"][1].shape[0] == 0:
        raise ApiError(400, "invalid", "remove: at least one training point must stay", "remove")
    if out["train"][1].shape[0] + out["val"][1].shape[0] > max_points:
        raise ApiError(400, "limit_exceeded", f"add: more than {max_points} points", "add")
    return (*out["train"], *out["val"])

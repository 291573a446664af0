"""Frames say what the engine computes: decoded the way the page decodes them,
they match engine.geometry and the run."""
from __future__ import annotations

import base64
import zlib

import numpy as np
import pytest

from engine import grid as engine_grid
from engine.geometry import (activation_regions, decision_boundary, first_layer_lines,
                             unit_activations, unit_level_sets)
from engine.grid import evaluate_grid
from engine.network import NetworkSpec, layer_params, predict_proba
from engine.training import Run

from server import frames
from server.schemas import View
from server.session_blob import Session

from . import framedecode as fd
from .test_polylines import distance_to_polyline


@pytest.fixture(scope="module")
def session():
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, (2, 60))
    y = (X[0] * X[1] > 0).astype(int) + (X[0] > 1)
    run = Run(NetworkSpec(2, (6, 4), ("relu", "tanh"), "softmax", 3), X[:, :50], y[:50],
              X[:, 50:], y[50:], seed=5)
    run.train_epochs(8)
    return Session(run, {}, 4, [-2.5, 2.5, -2.5, 2.5])


def build(session, **view):
    return frames.build("s" * 22, session, View(**view))


def test_grid_is_the_engines_grid(session):
    frame = build(session, grid=60)
    classes, confidence = fd.grid_planes(frame)
    engine = evaluate_grid(layer_params(session.run.model), session.run.spec.all_activations,
                           session.extent, 60)
    assert np.array_equal(classes, engine.classes)
    expected = np.rint(engine.confidence * 255).astype(np.uint8) // 4 * 4
    assert np.array_equal(confidence, expected)


def test_lines_are_the_engines_lines_in_float32(session):
    frame = build(session)
    W, W0 = layer_params(session.run.model)[0]
    engine = first_layer_lines(W, W0, session.extent)
    assert len(fd.lines(frame)) == 6
    for line, mine in zip(engine, fd.lines(frame)):
        if line["segment"] is None or line["dead"]:
            assert mine is None
            continue
        want = [*line["segment"][0], *line["segment"][1]]
        assert mine == list(np.float32(want).astype(float))


def test_a_dead_unit_has_no_line(session):
    run = session.run
    saved = run.model.modules[0].W.copy(), run.model.modules[0].W0.copy()
    try:
        run.set_weight(0, 0, 2, 0.0)
        run.set_weight(0, 1, 2, 0.0)
        assert fd.lines(build(session))[2] is None
    finally:
        run.set_layer(0, *saved)


def test_boundary_is_the_engines_boundary(session):
    frame = build(session, grid=50)
    engine = decision_boundary(layer_params(session.run.model), session.run.spec.all_activations,
                               session.extent, 50)
    assert len(frame["boundary"]) == len(engine) > 0
    tolerance = 1e-3 * 5 + 0.5e-3 * 2 ** 0.5 + 1e-9     # simplified within 1/1000 of 5, rounded
    for mine, theirs in zip(frame["boundary"], engine):
        mine = np.array(mine)
        assert len(mine) <= len(theirs)
        assert np.allclose(mine[[0, -1]], theirs[[0, -1]], atol=0.5e-3 + 1e-12)
        assert max(distance_to_polyline(p, mine) for p in theirs) <= tolerance


def test_weights_predictions_counters_and_metrics(session):
    frame = build(session)
    run = session.run
    assert fd.same_weights(fd.weights(frame), fd.exact(layer_params(run.model)))
    X = np.hstack([run.X_train, run.X_val])
    assert np.array_equal(fd.predictions(frame), predict_proba(run.model, X).argmax(axis=0))
    assert frame["counters"] == {"step": run.step, "epoch": 8, "batch_in_epoch": 0,
                                 "batches_per_epoch": 5}
    assert frame["metrics"]["train_acc"] == pytest.approx(run.metrics()["train_acc"])
    assert frame["data"] == {"revision": 4} and "points" not in frame
    assert frame["layers"] == [{"units": 6, "activation": "relu"}, {"units": 4, "activation": "tanh"},
                               {"units": 3, "activation": "softmax"}]


def test_history_since(session):
    assert build(session, since_epoch=6)["history"]["epoch"] == [7, 8]
    assert build(session, since_epoch=8)["history"]["epoch"] == []
    full = build(session)["history"]
    assert full["epoch"] == list(range(1, 9)) and len(full["val_acc"]) == 8


def test_extras_only_when_asked(session):
    plain = build(session)
    assert not {"curves", "thumbnails", "regions", "points"} & set(plain)
    frame = build(session, grid=40, include=["curves", "thumbnails", "regions", "probs", "points"],
                  curve_layers=[2], thumb=8)
    assert list(frame["curves"]) == ["2"] and len(frame["curves"]["2"]) == 4
    assert [t["layer"] for t in frame["thumbnails"]] == [1, 2]
    for thumb, units in zip(frame["thumbnails"], (6, 4)):
        assert len(base64.b64decode(thumb["data"])) == units * 8 * 8
        assert thumb["scale"][0] <= thumb["scale"][1]
    assert frame["regions"]["count"] >= 1
    probs = np.frombuffer(zlib.decompress(base64.b64decode(frame["grid"]["probs"])), np.uint8)
    assert probs.shape == (3 * 40 * 40,)
    assert len(frame["points"]["train"]) == 50 and len(frame["points"]["val"]) == 10
    assert list(build(session, include=["curves"])["curves"]) == ["1", "2"]


@pytest.mark.parametrize("extent, digits", [([-6, 6, -6, 6], 3), ([0, 1.1, 0, 1.1], 4),
                                            ([-5000, 5000, -5000, 5000], 0)])
def test_coordinates_resolve_a_two_thousandth_of_the_view(extent, digits):
    assert frames.decimals(extent) == digits


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_to_uint8_rounds_clips_and_zeroes_nan(dtype):
    a = np.array([0.0, 1.0, 0.5, 0.501, 1.5, -0.5, np.nan, np.inf, -np.inf], dtype=dtype)
    assert frames.to_uint8(a).tolist() == [0, 255, 128, 128, 255, 0, 0, 255, 0]
    assert frames.to_uint8(np.array([-2.0, 0.5, 3.0], dtype=dtype), -2, 3).tolist() == [0, 128, 255]
    assert frames.to_uint8(a, 1.0, 1.0).tolist() == [0] * 9     # no range: all 0
    rng = np.random.default_rng(0)
    b = rng.normal(size=(3, 16, 16)).astype(dtype)
    expected = np.clip(np.rint((b.astype(np.float64) + 2) * (255 / 5)), 0, 255)
    assert np.abs(frames.to_uint8(b, -2, 3).astype(int) - expected).max() <= 1


@pytest.mark.parametrize("units", [255, 256, 300])
def test_active_counts_every_unit_past_255(units):
    """Each first-layer unit with W = 0 and W0 = 1 has z = 1 > 0 in every cell."""
    X = np.array([[-1.0, 1.0], [0.0, 0.5]])
    run = Run(NetworkSpec(2, (units,), ("relu",), "softmax", 2), X, np.array([0, 1]),
              X[:, :0], np.zeros(0, int), seed=1)
    run.set_layer(0, np.zeros((2, units)), np.ones(units))
    frame = build(Session(run, {}, 1, [-2.0, 2.0, -2.0, 2.0]), grid=20, include=["active"])
    assert frame["active"]["units"] == units
    np.testing.assert_array_equal(fd.active_counts(frame), np.full((20, 20), units))


def test_active_counts_where_the_second_layer_has_one_unit():
    """2-3-1 with a sigmoid output: counting the first layer's units once ran
    its first two layers as a network of their own, whose one-unit output
    no "linear" output may have (a 500 for this view)."""
    X = np.array([[-1.0, 1.0], [0.0, 0.5]])
    run = Run(NetworkSpec(2, (3,), ("relu",), "sigmoid", 2), X, np.array([0, 1]),
              X[:, :0], np.zeros(0, int), seed=1)
    run.set_layer(0, np.array([[1.0, 0.0, -1.0], [0.0, 0.0, 0.0]]), np.array([0.0, 1.0, 0.0]))
    frame = build(Session(run, {}, 1, [-2.0, 2.0, -2.0, 2.0]), grid=4, include=["active"])
    # x = -2, -2/3, 2/3, 2 per column: unit 2 always on, unit 1 right of 0, unit 3 left of it
    np.testing.assert_array_equal(fd.active_counts(frame), np.full((4, 4), 2))


ALL_EXTRAS = ["curves", "thumbnails", "regions", "probs", "active"]


@pytest.mark.parametrize("thumb", [8, 40])   # its own grid, or the view's
def test_one_grid_pass_draws_what_the_separate_calls_drew(session, thumb):
    """Everything the frame draws from its grid, as each geometry call of its
    own (its own check of the network and view, its own forward pass) gives it."""
    frame = build(session, grid=40, include=ALL_EXTRAS, thumb=thumb)
    params, acts, extent = layer_params(session.run.model), session.run.spec.all_activations, session.extent
    digits = frames.decimals(extent)
    classes, confidence = fd.grid_planes(frame)
    engine = evaluate_grid(params, acts, extent, 40, with_probs=True)
    assert np.array_equal(classes, engine.classes)
    assert np.array_equal(confidence, frames.to_uint8(engine.confidence) & np.uint8(252))
    assert frame["grid"]["probs"] == frames.b64(zlib.compress(frames.to_uint8(engine.probs).tobytes(), 6))
    assert frame["boundary"] == frames.polylines(decision_boundary(params, acts, extent, 40), extent, digits)
    for layer in (1, 2):
        level_sets = unit_level_sets(params, acts, layer, extent, 40)
        flat = iter(frames.polylines([p for unit in level_sets for p in unit], extent, digits))
        assert frame["curves"][str(layer)] == [[next(flat) for _ in unit] for unit in level_sets]
    assert frame["regions"]["count"] == activation_regions(params, acts, extent, 40)[1] > 1
    first_z = unit_activations(params, ["linear", *acts[1:]], extent, 40)[0]   # layer 1's z
    np.testing.assert_array_equal(fd.active_counts(frame), (first_z > 0).sum(axis=0))
    for drawn, A in zip(frame["thumbnails"], unit_activations(params, acts, extent, thumb), strict=True):
        lo, hi = float(A.min()), float(A.max())
        assert drawn["size"] == thumb and drawn["scale"] == [frames.sig(lo), frames.sig(hi)]
        assert base64.b64decode(drawn["data"]) == frames.to_uint8(A, lo, hi).tobytes()


@pytest.mark.parametrize("include, thumb, passes", [
    ([], 16, [40]), (["curves", "regions", "active", "probs"], 16, [40]),
    (ALL_EXTRAS, 16, [40, 16]), (ALL_EXTRAS, 40, [40]),
])
def test_a_frame_makes_one_forward_pass_per_grid(session, monkeypatch, include, thumb, passes):
    """One pass over the view's grid feeds the classes, the boundary, the
    curves, the regions and the active counts; thumbnails of another size
    are another grid, with a pass of their own."""
    grids = []
    real_blocks = engine_grid._blocks

    def counted(params, activations, xs, ys, *args, **kwargs):
        grids.append(xs.shape[0])
        return real_blocks(params, activations, xs, ys, *args, **kwargs)
    monkeypatch.setattr(engine_grid, "_blocks", counted)
    build(session, grid=40, include=include, thumb=thumb)
    assert grids == passes

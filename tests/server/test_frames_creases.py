"""The frame's creases (server/frames.py, include "regions" and "tint"): dead
units per hidden layer, the number of linear regions on the grid and, for the
tint view, each cell's region with each region's tint -- decoded as the page
decodes them, they are engine.creases' answers."""
from __future__ import annotations

import base64
import zlib

import numpy as np
import pytest

from engine.creases import TINTS, hidden_preactivations, linear_regions
from engine.geometry import grid_axes
from engine.network import NetworkSpec, layer_params
from engine.training import Run

from server import frames
from server.schemas import View
from server.sessions import Session

from .apicheck import CheckedClient
from .cases import SMALL

SQUARE = [-2.0, 2.0, -2.0, 2.0]


def homework_session(extent=SQUARE) -> Session:
    """A run holding the homework's hand-set 2-4-2 (lines x1 = +-1, x2 = +-1),
    with training points inside the square |x| < 1 and one beyond each line."""
    X = np.array([[0.0, 0.5, -0.5, 1.5, -1.5, 0.2, -0.3], [0.0, -0.5, 0.5, 0.2, -0.3, 1.6, -1.4]])
    y = np.array([0, 1, 0, 1, 1, 0, 1])
    run = Run(NetworkSpec(2, (4,), ("relu",), "softmax", 2), X, y, X[:, :0], y[:0], seed=1)
    run.set_layer(0, [[1, 0, -1, 0], [0, 1, 0, -1]], [-1] * 4)
    run.set_layer(1, [[1, -1]] * 4, [0, 2])
    return Session(run, {}, 1, list(extent))


def build(session, **view):
    return frames.build("s" * 22, session, View(**view))


def region_ids(frame) -> np.ndarray:
    """Each cell's region, R x R (row i = y), as the page decodes it."""
    ids = frame["regions"]["ids"]
    dtype = {"zlib+base64+uint16le": "<u2", "zlib+base64+uint32le": "<u4"}[ids["encoding"]]
    r = ids["resolution"]
    return np.frombuffer(zlib.decompress(base64.b64decode(ids["data"])), dtype=dtype).reshape(r, r)


def tints(frame) -> np.ndarray:
    return np.frombuffer(base64.b64decode(frame["regions"]["ids"]["tints"]), dtype=np.uint8)


def test_the_homeworks_242_has_nine_regions_and_no_dead_unit():
    frame = build(homework_session(), grid=41, include=["regions"])
    assert frame["regions"] == {"count": 9, "relu_units": 4, "dead": [[]]}


def test_region_ids_and_tints_only_with_the_tint_view():
    frame = build(homework_session(), grid=41, include=["tint"])
    regions = frame["regions"]
    assert regions["count"] == 9 and regions["ids"]["palette"] == TINTS
    ids = region_ids(frame)
    assert ids.shape == (41, 41) and sorted(np.unique(ids).tolist()) == list(range(9))
    # numbered by first appearance, row-major from the bottom row (y = -2)
    assert ids[[0, 0, 0, 20, 20, 20, 40, 40, 40], [0, 20, 40] * 3].tolist() == list(range(9))
    assert tints(frame).shape == (9,) and tints(frame).max() < TINTS
    # neighbours across one line never share a tint
    assert tints(frame)[ids[20, 20]] not in {tints(frame)[ids[20, 0]], tints(frame)[ids[20, 40]],
                                             tints(frame)[ids[0, 20]], tints(frame)[ids[40, 20]]}


def test_the_frame_is_the_engines_regions_on_a_trained_net():
    rng = np.random.default_rng(3)
    X = rng.uniform(-2, 2, (2, 60))
    y = (X[0] * X[1] > 0).astype(int)
    run = Run(NetworkSpec(2, (12, 5), ("relu", "relu"), "softmax", 2), X, y, X[:, :0], y[:0], seed=5)
    run.train_epochs(3)
    session = Session(run, {}, 1, [-3.0, 3.0, -3.0, 3.0])
    frame = build(session, grid=60, include=["tint"])
    gx, gy = np.meshgrid(*grid_axes(session.extent, 60))
    zs = hidden_preactivations(layer_params(run.model), run.spec.all_activations,
                               np.stack([gx.ravel(), gy.ravel()]))
    engine = linear_regions(zs)
    assert frame["regions"]["count"] == engine.count
    assert np.array_equal(region_ids(frame).ravel(), engine.ids)
    assert np.array_equal(tints(frame), engine.tints)


def test_a_unit_dead_on_the_training_points_is_listed():
    session = homework_session()
    # unit 2's line x1 = -1 moved to x1 = -1.8: every training point has x1 > -1.8,
    # so z = -x1 - 1.8 < 0 on all of them (though not on the whole view)
    session.run.set_bias(0, 2, -1.8)
    frame = build(session, grid=41, include=["regions"])
    assert frame["regions"]["dead"] == [[2]] and frame["regions"]["count"] == 9
    session.run.set_bias(0, 2, -1.0)            # x1 = -1.5 is on its + side again
    assert build(session, grid=41, include=["regions"])["regions"]["dead"] == [[]]


def test_only_relu_units_crease_and_die():
    rng = np.random.default_rng(1)
    X = rng.uniform(-2, 2, (2, 30))
    y = (X[0] > 0).astype(int)
    run = Run(NetworkSpec(2, (5, 3), ("tanh", "relu"), "softmax", 2), X, y, X[:, :0], y[:0], seed=2)
    run.set_layer(1, np.zeros((5, 3)), [-1, -1, 1])
    frame = build(Session(run, {}, 1, SQUARE), grid=30, include=["regions"])
    # the tanh layer is never dead and has no creases; in the ReLU layer units 0 and 1
    # read nothing and have bias -1 (dead), unit 2 bias +1: one pattern everywhere
    assert frame["regions"] == {"count": 1, "relu_units": 3, "dead": [[], [0, 1]]}
    run = Run(NetworkSpec(2, (4,), ("tanh",), "softmax", 2), X, y, X[:, :0], y[:0], seed=2)
    frame = build(Session(run, {}, 1, SQUARE), grid=30, include=["tint"])
    assert frame["regions"]["count"] == 1 and frame["regions"]["relu_units"] == 0
    assert region_ids(frame).shape == (30, 30) and not region_ids(frame).any()


def test_no_creases_unless_asked():
    assert "regions" not in build(homework_session(), grid=20)
    assert "ids" not in build(homework_session(), grid=20, include=["regions"])["regions"]


def test_the_api_answers_regions_and_tints_in_its_documented_shape(make_app):
    api = CheckedClient(make_app())
    body = {**SMALL, "network": {"hidden": [6], "activations": ["relu"]},
            "view": {"grid": 30, "include": ["regions", "tint"]}}
    response = api.post("/api/sessions", json=body)
    assert response.status_code == 201, response.json
    regions = response.json["frame"]["regions"]
    assert regions["relu_units"] == 6 and 1 <= regions["count"] <= 30 * 30
    assert len(region_ids(response.json["frame"]).ravel()) == 900


@pytest.mark.parametrize("include", [["tints"], ["tint"] * 8])
def test_a_bad_include_is_refused_naming_the_field(make_app, include):
    api = CheckedClient(make_app())
    response = api.post("/api/sessions", json={**SMALL, "view": {"include": include}})
    assert response.status_code == 400
    assert "include" in str(response.json)

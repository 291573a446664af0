import json

import numpy as np
import pytest

from engine import geometry, grid
from engine.geometry import (activation_regions, decision_boundary, first_layer_lines,
                             unit_activations, unit_level_sets)
from engine.grid import evaluate_grid

from .test_grid import VIEW, hidden_sum, homework_network, mesh, random_network

ALIGNED = 61   # grid step 0.1: every kink of the hand-set networks lies on a grid line
CURVE_TOL = 1e-5   # curves come from float32 scores: vertices good to ~1e-6 of the view


def bend_network():
    """Layer 1: relu(x1), relu(x2), relu(-x2).  Layer 2 (pre-activations):
    u = x2 - relu(x1) + 0.5 and v = relu(x1) + |x2| - 2; both bend on x1 = 0,
    v also on x2 = 0, exactly where layer-1 units switch."""
    W1 = np.array([[1.0, 0, 0], [0, 1, -1]])
    W2 = np.array([[-1.0, 1], [1, 1], [-1, 1]])
    W02 = np.array([[0.5], [-2.0]])
    W3 = np.array([[1.0, -1], [1, -1]])
    return [(W1, np.zeros((3, 1))), (W2, W02), (W3, np.zeros((2, 1)))], ["relu", "relu", "softmax"]


BAD_NETWORKS = [
    ([], [], "one activation per layer"),
    ([(np.ones((2, 3)), np.zeros((3, 1)))], ["relu", "softmax"], "one activation per layer"),
    ([(np.ones((3, 2)), np.zeros((2, 1)))], ["softmax"], "layer 1"),
    ([(np.ones((2, 3)), np.zeros((2, 1)))], ["softmax"], "layer 1"),
    ([(np.ones((2, 3)), np.zeros((3, 1))), (np.ones((4, 2)), np.zeros((2, 1)))],
     ["relu", "softmax"], "layer 2"),
    ([(np.ones((2, 3)), np.zeros((3, 1))), (np.ones((3, 2)), np.zeros((2, 1)))],
     ["softmax", "softmax"], "hidden activations"),
    ([(np.ones((2, 2)), np.zeros((2, 1)))], ["relu"], "output must be one of"),
    ([(np.ones((2, 2)), np.zeros((2, 1)))], ["sigmoid"], "sigmoid output needs 1"),
    ([(np.ones((2, 1)), np.zeros((1, 1)))], ["softmax"], "softmax output needs >= 2"),
    ([(np.ones((2, 1)), np.zeros((1, 1)))], ["linear"], "linear output needs >= 2"),
]


@pytest.mark.parametrize("call", [
    lambda p, a: evaluate_grid(p, a, VIEW, 4),
    lambda p, a: decision_boundary(p, a, VIEW, 4),
    lambda p, a: unit_activations(p, a, VIEW, 4),
    lambda p, a: activation_regions(p, a, VIEW, 4),
])
@pytest.mark.parametrize("params, activations, message", BAD_NETWORKS)
def test_malformed_networks_are_rejected(call, params, activations, message):
    with pytest.raises(ValueError, match=message):
        call(params, activations)


# --- first-layer lines --------------------------------------------------------------

def test_homework_lines_are_the_four_unit_lines_with_plus_outward():
    params, _ = homework_network()
    lines = first_layer_lines(*params[0], VIEW)
    json.dumps(lines)   # plain Python numbers only
    assert [line["segment"] for line in lines] == [
        [[1.0, -3.0], [1.0, 3.0]], [[3.0, 1.0], [-3.0, 1.0]],
        [[-1.0, 3.0], [-1.0, -3.0]], [[-3.0, -1.0], [3.0, -1.0]]]
    assert [(line["w"], line["b"], line["dead"]) for line in lines] == [
        ([1.0, 0.0], -1.0, False), ([0.0, 1.0], -1.0, False),
        ([-1.0, 0.0], -1.0, False), ([0.0, -1.0], -1.0, False)]


def test_line_cases_diagonal_missing_corner_dead():
    W = np.array([[1.0, 1.0, 1.0, 0.0, 1e-12, 2.0],
                  [1.0, 0.0, 1.0, 0.0, 0.0, -1.0]])
    W0 = np.array([0.0, -10.0, -6.0, 3.0, 0.0, 1.0])
    lines = first_layer_lines(W, W0, VIEW)
    diagonal = lines[0]
    np.testing.assert_allclose(diagonal["segment"], [[3, -3], [-3, 3]], atol=1e-15)
    assert lines[1]["segment"] is None and not lines[1]["dead"]        # x1 = 10: off the view
    assert lines[2]["segment"] is None and not lines[2]["dead"]        # touches one corner only
    for dead in lines[3:5]:
        assert dead["dead"] and dead["segment"] is None
    (a, b), w, bias = lines[5]["segment"], W[:, 5], W0[5]
    assert abs(w @ a + bias) < 1e-12 and abs(w @ b + bias) < 1e-12    # 2 x1 - x2 + 1 = 0
    assert {a[1], b[1]} == {-3.0, 3.0}                                 # enters and leaves by y


def test_a_unit_carries_no_label_places():
    """Where a line's labels go is the page's to choose (static/js/line-labels.js)."""
    lines = first_layer_lines(np.array([[1.0], [0.0]]), np.array([[0.0]]), (-10, 10, -1, 1))
    assert lines == [{"w": [1.0, 0.0], "b": 0.0, "segment": [[0.0, -1.0], [0.0, 1.0]], "dead": False}]


# --- level sets and the decision boundary -------------------------------------------

def polygon_area(points):
    x, y = points[:, 0], points[:, 1]
    return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))


def test_homework_decision_boundary_is_the_octagon_where_s_is_one():
    params, acts = homework_network()
    (octagon,) = decision_boundary(params, acts, VIEW, ALIGNED)
    np.testing.assert_allclose(hidden_sum(octagon[:, 0], octagon[:, 1]), 1, atol=CURVE_TOL)
    np.testing.assert_array_equal(octagon[0], octagon[-1])    # closed
    # |x| <= 2 cut by |x1| + |x2| <= 3: 16 minus four corner triangles of area 1/2
    assert polygon_area(octagon) == pytest.approx(14, abs=CURVE_TOL)
    corners = {(2, 1), (1, 2), (-1, 2), (-2, 1), (-2, -1), (-1, -2), (1, -2), (2, -1)}
    assert corners <= {tuple(p) for p in np.round(octagon, 5).tolist()}


def test_decision_boundary_on_an_unaligned_grid_is_within_one_cell():
    params, acts = homework_network()
    (octagon,) = decision_boundary(params, acts, VIEW, 40)
    step = 6 / 39
    assert np.abs(hidden_sum(octagon[:, 0], octagon[:, 1]) - 1).max() < step
    assert polygon_area(octagon) == pytest.approx(14, abs=2 * step)


def test_homework_level_sets_of_layer_one_are_the_unit_lines():
    params, acts = homework_network()
    level_sets = unit_level_sets(params, acts, 1, VIEW, ALIGNED)
    for (line,), (w, b) in zip(level_sets, [((1, 0), -1), ((0, 1), -1), ((-1, 0), -1), ((0, -1), -1)]):
        np.testing.assert_allclose(line @ np.array(w) + b, 0, atol=CURVE_TOL)
        assert len(line) == ALIGNED   # one vertex per grid line crossed, no duplicates


def test_deeper_level_set_bends_where_a_first_layer_unit_switches():
    params, acts = bend_network()
    (u,), v = unit_level_sets(params, acts, 2, VIEW, ALIGNED)
    np.testing.assert_allclose(u[:, 1], np.maximum(u[:, 0], 0) - 0.5, atol=CURVE_TOL)
    slopes = np.diff(u[:, 1]) / np.diff(u[:, 0])
    middle = (u[1:, 0] + u[:-1, 0]) / 2
    np.testing.assert_allclose(slopes[middle < 0], 0, atol=1e-4)
    np.testing.assert_allclose(slopes[middle > 0], 1, atol=1e-4)
    assert [0.0, -0.5] in np.round(u, 5).tolist()          # the bend, on unit 1's line x1 = 0
    assert first_layer_lines(*params[0], VIEW)[0]["segment"] == [[0.0, -3.0], [0.0, 3.0]]
    # v = 0: |x2| = 2 left of x1 = 0, the diamond x1 + |x2| = 2 right of it
    (v,) = v
    np.testing.assert_allclose(np.maximum(v[:, 0], 0) + np.abs(v[:, 1]), 2, atol=CURVE_TOL)
    assert {(0.0, 2.0), (2.0, 0.0), (0.0, -2.0)} <= {tuple(p) for p in np.round(v, 5).tolist()}


@pytest.mark.parametrize("layer", [0, 2, -1])
def test_level_sets_need_a_hidden_layer(layer):
    params, acts = homework_network()
    with pytest.raises(ValueError, match="hidden layer, 1..1"):
        unit_level_sets(params, acts, layer, VIEW, 10)


def three_linear_classes():
    """No hidden layer: scores (0, x1, x2).  Class 0 where both are negative,
    class 1 where x1 leads, class 2 where x2 leads: three rays from the origin."""
    W = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    return [(W, np.zeros((3, 1)))], ["softmax"]


def test_three_class_boundary_lies_only_where_classes_change():
    params, acts = three_linear_classes()
    lines = decision_boundary(params, acts, (-3, 3, -3, 3), 50)   # 0 is not a grid line
    points = np.vstack(lines)
    x1, x2 = points[:, 0], points[:, 1]
    step = 6 / 49
    on_1_2 = (np.abs(x1 - x2) < CURVE_TOL) & (x1 > -step)
    on_0_1 = (np.abs(x1) < CURVE_TOL) & (x2 < step)
    on_0_2 = (np.abs(x2) < CURVE_TOL) & (x1 < step)
    assert np.all(on_1_2 | on_0_1 | on_0_2)     # never x1 = x2 inside class 0's region
    for ray in (on_1_2, on_0_1, on_0_2):        # each ray drawn to the edge of the view
        assert np.abs(points[ray]).max() == pytest.approx(3)
    assert len(lines) == 3


def test_sigmoid_and_two_class_boundaries():
    params, acts = [(np.array([[1.0], [1.0]]), np.array([[-1.0]]))], ["sigmoid"]
    (line,) = decision_boundary(params, acts, VIEW, 20)
    np.testing.assert_allclose(line.sum(axis=1), 1, atol=CURVE_TOL)
    ends = sorted([line[0].tolist(), line[-1].tolist()])
    np.testing.assert_allclose(ends, [[-2, 3], [3, -2]], atol=CURVE_TOL)
    params, acts = [(np.array([[2.0, 0.0], [0.0, 0.0]]), np.array([[0.0], [1.0]]))], ["linear"]
    (line,) = decision_boundary(params, acts, VIEW, 20)
    np.testing.assert_allclose(line[:, 0], 0.5, atol=CURVE_TOL)
    assert decision_boundary(params, acts, (2, 3, 2, 3), 20) == []   # one class in view


# --- thumbnails and regions ---------------------------------------------------------

def test_unit_activations_are_the_hidden_outputs():
    params, acts = bend_network()
    first, second = unit_activations(params, acts, VIEW, 16)
    assert first.shape == (3, 16, 16) and second.shape == (2, 16, 16) and first.dtype == np.float32
    gx, gy = mesh(16)
    np.testing.assert_allclose(first, np.maximum([gx, gy, -gy], 0), rtol=1e-6)
    u = gy - np.maximum(gx, 0) + 0.5
    v = np.maximum(gx, 0) + np.abs(gy) - 2
    np.testing.assert_allclose(second, np.maximum([u, v], 0), rtol=1e-6, atol=1e-6)
    assert unit_activations(*three_linear_classes(), VIEW, 8) == []


@pytest.mark.parametrize("extent, count", [
    (VIEW, 9),                 # all four lines cross the view: 3 x 3 patterns
    ((0, 3, -3, 3), 6),        # x1 = -1 is outside: 2 x 3
    ((2, 3, 2, 3), 1),         # only the region where units 1 and 2 are on
    ((-0.5, 0.5, -0.5, 0.5), 1),
])
def test_homework_network_regions(extent, count):
    params, acts = homework_network()
    region, n = activation_regions(params, acts, extent, 41)
    assert n == count and region.dtype == np.int32 and region.shape == (41, 41)
    gx, gy = mesh(41, extent)
    pattern = (gx > 1) * 1 + (gx < -1) * 2 + (gy > 1) * 3 + (gy < -1) * 6   # 3 x 3 distinct codes
    pairs = set(zip(region.ravel().tolist(), pattern.ravel().tolist()))
    assert len(pairs) == count                                     # ids and patterns biject
    assert set(region.ravel().tolist()) == set(range(count))


def test_regions_count_deeper_relu_units_and_ignore_other_activations():
    params, acts = bend_network()
    # 60 points: no grid line falls on x1 = 0 or x2 = 0.  Per sign of (x1, x2), the
    # patterns of (u > 0, v > 0) that occur: (-, +): 2, (-, -): 3, (+, +): 4, (+, -): 3
    assert activation_regions(params, acts, VIEW, 60)[1] == 12
    gx, gy = mesh(60)
    u = gy - np.maximum(gx, 0) + 0.5
    v = np.maximum(gx, 0) + np.abs(gy) - 2
    patterns = np.stack([gx > 0, gy > 0, gy < 0, u > 0, v > 0], -1).reshape(-1, 5)
    assert len({tuple(p) for p in patterns.tolist()}) == 12
    # tanh units are not counted, only layer 2's ReLU units: with tanh inputs
    # u = 2 tanh(x2) - tanh(x1) + 0.5 changes sign, v = tanh(x1) - 2 never does
    mixed = ["tanh", "relu", "softmax"]
    Z2 = params[1][0].T @ np.tanh(params[0][0].T @ np.stack([gx.ravel(), gy.ravel()])) + params[1][1]
    assert activation_regions(params, mixed, VIEW, 60)[1] == len({tuple(c) for c in (Z2 > 0).T.tolist()}) == 2
    region, n = activation_regions(params, ["tanh", "sigmoid", "softmax"], VIEW, 16)
    assert n == 1 and not region.any()


def test_regions_are_exact_for_more_units_than_one_code_holds():
    params, acts = random_network((2, 70, 30, 2), ("relu", "relu"), "softmax", seed=3)   # 100 bits
    region, n = activation_regions(params, acts, VIEW, 60)
    gx, gy = mesh(60)
    X = np.stack([gx.ravel(), gy.ravel()])
    Z1 = params[0][0].T @ X + params[0][1]
    Z2 = params[1][0].T @ np.maximum(Z1, 0) + params[1][1]
    patterns = [row.tobytes() for row in np.vstack([Z1 > 0, Z2 > 0]).T]
    assert n == len(set(patterns)) > 100
    # ids and patterns biject: as many (id, pattern) pairs as ids, as patterns
    assert len(set(zip(region.ravel().tolist(), patterns))) == n == len(np.unique(region))


@pytest.mark.parametrize("value", [1e30, np.nan, np.inf])
def test_a_diverged_network_still_draws(value):
    params, acts = random_network((2, 6, 5, 3), ("relu", "tanh"), "softmax")
    params[1][0][0, 0] = value     # the suite turns any overflow warning into a failure
    result = evaluate_grid(params, acts, VIEW, 12, with_probs=True)
    assert result.classes.max() < 3
    assert np.all((result.confidence >= 0) & (result.confidence <= 1))
    decision_boundary(params, acts, VIEW, 12)
    unit_level_sets(params, acts, 2, VIEW, 12)
    unit_activations(params, acts, VIEW, 12)
    assert 1 <= activation_regions(params, acts, VIEW, 12)[1] <= 144


def test_pictures_of_one_grid_pass_need_no_other_pass(monkeypatch):
    """Classes, boundary, level sets and regions of one GridPass: the same
    pictures as the separate calls, with no forward pass of their own."""
    params, acts = random_network((2, 8, 5, 3), ("relu", "relu"), "softmax", seed=5)
    separate = (evaluate_grid(params, acts, VIEW, 30), decision_boundary(params, acts, VIEW, 30),
                unit_level_sets(params, acts, 2, VIEW, 30), activation_regions(params, acts, VIEW, 30))
    plane = grid.GridPass(params, acts, VIEW, 30, keep="z")

    def no_forward_pass(*args, **kwargs):
        raise AssertionError("a second forward pass")
    monkeypatch.setattr(grid, "_blocks", no_forward_pass)
    classes, boundary, level_sets, (region, count) = (
        plane.classify(), geometry.decision_boundary_of(plane),
        geometry.unit_level_sets_of(plane, 2), geometry.activation_regions_of(plane))
    np.testing.assert_array_equal(classes.classes, separate[0].classes)
    np.testing.assert_array_equal(classes.confidence, separate[0].confidence)
    assert len(boundary) == len(separate[1]) > 0
    assert all(np.array_equal(a, b) for a, b in zip(boundary, separate[1]))
    assert [[p.tolist() for p in unit] for unit in level_sets] == \
        [[p.tolist() for p in unit] for unit in separate[2]]
    assert count == separate[3][1] > 1
    np.testing.assert_array_equal(region, separate[3][0])


@pytest.mark.parametrize("call", [lambda g: geometry.unit_level_sets_of(g, 1),
                                  geometry.activation_regions_of])
def test_pictures_of_hidden_layers_need_a_pass_that_kept_them(call):
    params, acts = homework_network()
    with pytest.raises(ValueError, match="keep='z'"):
        call(grid.GridPass(params, acts, VIEW, 10))


def test_boundary_is_never_stale_after_an_in_place_weight_change():
    params, acts = homework_network()
    evaluate_grid(params, acts, VIEW, ALIGNED)
    params[1][1][1, 0] = 3.0      # W02 = [0, 3]: the boundary moves out to S = 1.5
    (octagon,) = decision_boundary(params, acts, VIEW, ALIGNED)
    np.testing.assert_allclose(hidden_sum(octagon[:, 0], octagon[:, 1]), 1.5, atol=CURVE_TOL)

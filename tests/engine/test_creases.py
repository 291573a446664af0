"""Dead units and linear regions (engine.creases) on hand-set networks whose
creases are known, and against a brute-force count of the patterns."""
import numpy as np
import pytest

from engine import Linear, NLL, ReLU, Sequential, SoftMax, Tanh, creases
from engine.creases import (TINTS, activation_patterns, count_regions, dead_units,
                            hidden_preactivations, linear_regions, relu_layers)
from engine.geometry import grid_axes, unit_activations
from engine.handset import network_from_layers
from engine.network import layer_params

SQUARE = (-2.0, 2.0, -2.0, 2.0)


def homework_242():
    """The homework's hand-set 2-4-2 (Problem 2): lines x1 = 1, x2 = 1,
    x1 = -1, x2 = -1, built through engine.handset as a lesson builds it."""
    model = network_from_layers([([[1, 0, -1, 0], [0, 1, 0, -1]], [-1] * 4),
                                 ([[1, -1]] * 4, [0, 2])], ["relu", "softmax"])
    return layer_params(model), ["relu", "softmax"]


def grid_points(extent, resolution):
    """2 x R*R, row-major with row i at y = ys[i] (the grid's order)."""
    xs, ys = grid_axes(extent, resolution)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()])


def grid_z(params, acts, extent, resolution):
    """The ReLU layers' pre-activations over the grid, as a frame has them."""
    return [z.reshape(z.shape[0], -1) for z in
            (hidden_preactivations(params, acts, grid_points(extent, resolution))[i]
             for i in relu_layers(acts))]


def brute_force_count(hidden_z):
    return len({tuple(column) for column in np.vstack([z > 0 for z in hidden_z]).T.tolist()})


def random_net(sizes, hidden, seed):
    rng = np.random.default_rng(seed)
    params = [(rng.normal(size=(m, n)), rng.normal(size=(n, 1))) for m, n in zip(sizes[:-1], sizes[1:])]
    return params, [*hidden, "softmax"]


# --- linear regions ---------------------------------------------------------------

def test_the_homeworks_242_cuts_the_square_into_nine_regions():
    params, acts = homework_242()
    regions = linear_regions(grid_z(params, acts, SQUARE, 41))
    assert regions.count == count_regions(grid_z(params, acts, SQUARE, 41)) == 9
    X = grid_points(SQUARE, 41)
    column = (X[0] > 1) * 1 + (X[0] < -1) * 2      # which of the three strips in x1
    row = (X[1] > 1) * 1 + (X[1] < -1) * 2          # and in x2
    pairs = set(zip(regions.ids.tolist(), (3 * row + column).tolist()))
    assert len(pairs) == 9                           # ids and the 3 x 3 cells biject
    # first appearance, row-major: the bottom row (x2 = -2) meets x1 < -1, the
    # middle strip, x1 > 1 in that order, then the middle band, then the top
    assert regions.ids.reshape(41, 41)[[0, 0, 0, 20, 20, 20, 40, 40, 40], [0, 20, 40] * 3].tolist() \
        == list(range(9))
    assert regions.first.tolist() == sorted(regions.first.tolist())
    assert regions.ids.dtype == np.int32 and regions.ids.shape == (41 * 41,)


def test_the_count_reads_the_relu_outputs_as_well_as_their_preactivations():
    params, acts = homework_242()
    outputs = unit_activations(params, acts, SQUARE, 41)      # float32 max(z, 0)
    assert count_regions([a.reshape(a.shape[0], -1) for a in outputs]) == 9


def test_a_single_relu_unit_makes_two_regions():
    params = [(np.array([[1.0], [1.0]]), np.array([[-0.5]])), (np.ones((1, 2)), np.zeros((2, 1)))]
    assert count_regions(grid_z(params, ["relu", "softmax"], SQUARE, 30)) == 2


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8])
def test_k_parallel_lines_make_k_plus_one_regions(k):
    # lines x1 + 2 x2 = c for k offsets c strictly inside the view
    offsets = np.linspace(-4, 4, k + 2)[1:-1]
    W1 = np.tile([[1.0], [2.0]], (1, k))
    params = [(W1, -offsets.reshape(-1, 1)), (np.ones((k, 2)), np.zeros((2, 1)))]
    zs = grid_z(params, ["relu", "softmax"], SQUARE, 101)
    regions = linear_regions(zs)
    assert regions.count == k + 1
    # strip by strip (by how many units are on), neighbours differ by one unit: their tints differ
    on = (zs[0] > 0).sum(axis=0)[regions.first]
    assert sorted(on.tolist()) == list(range(k + 1))
    strips = regions.tints[np.argsort(on)]
    assert np.all(strips[1:] != strips[:-1])


def test_deeper_layers_bend_and_their_patterns_count():
    # layer 1: relu(x1), relu(x2), relu(-x2); layer 2: u = x2 - relu(x1) + 0.5 and
    # v = relu(x1) + |x2| - 2 bend on x1 = 0 and x2 = 0, where layer-1 units switch.
    # Per sign of (x1, x2), the (u > 0, v > 0) patterns that occur in [-3, 3]^2:
    # (-, +): 2, (-, -): 3, (+, +): 4, (+, -): 3
    W2 = np.array([[-1.0, 1], [1, 1], [-1, 1]])
    params = [(np.array([[1.0, 0, 0], [0, 1, -1]]), np.zeros((3, 1))),
              (W2, np.array([[0.5], [-2.0]])), (np.eye(2), np.zeros((2, 1)))]
    acts = ["relu", "relu", "softmax"]
    zs = grid_z(params, acts, (-3, 3, -3, 3), 60)    # 60 points: no grid line on x1 = 0 or x2 = 0
    assert count_regions(zs) == brute_force_count(zs) == 12
    assert count_regions(zs[:1]) == 4                 # the first layer alone: four quadrants
    # a tanh layer has no creases: only the ReLU layer after it counts
    mixed = ["tanh", "relu", "softmax"]
    assert relu_layers(mixed) == [1]
    assert count_regions(grid_z(params, mixed, (-3, 3, -3, 3), 60)) == 2


def test_regions_are_exact_beyond_one_word_of_units():
    params, acts = random_net((2, 100, 10, 3), ("relu", "relu"), seed=3)   # 110 bits a point
    zs = grid_z(params, acts, SQUARE, 100)
    assert activation_patterns(zs).shape == (2, 100 * 100)
    regions = linear_regions(zs)
    assert regions.count == count_regions(zs) == brute_force_count(zs) > 300
    patterns = [column.tobytes() for column in np.vstack([z > 0 for z in zs]).T]
    assert len(set(zip(regions.ids.tolist(), patterns))) == regions.count   # ids biject with patterns


@pytest.mark.parametrize("units", [(1,), (7, 1), (63,), (64,), (30, 35), (100, 10, 20)])
@pytest.mark.parametrize("points", [1, 7, 13, 64])
def test_each_unit_is_its_own_bit_of_the_packed_pattern(units, points):
    # unit u is bit u % 64 of word u // 64, whatever the layers' sizes and the
    # number of points (neither a multiple of 8 nor of 64 here)
    rng = np.random.default_rng(sum(units) + points)
    zs = [rng.normal(size=(n, points)) for n in units]
    zs[0][0, 0] = 0.0                                  # z = 0 is off
    words = activation_patterns(zs)
    on = np.vstack([z > 0 for z in zs])
    assert words.dtype == np.uint64 and words.shape == (max(1, -(-sum(units) // 64)), points)
    for u in range(on.shape[0]):
        assert np.array_equal((words[u // 64] >> np.uint64(u % 64)) & np.uint64(1), on[u].astype(np.uint64)), u
    assert not np.any(words[-1] >> np.uint64(on.shape[0] % 64)) or on.shape[0] % 64 == 0   # padding stays 0


def test_no_relu_layer_is_one_region():
    regions = linear_regions([])
    assert regions.count == 0                        # no points either
    params, acts = random_net((2, 5, 2), ("tanh",), seed=1)
    assert grid_z(params, acts, SQUARE, 10) == []
    assert count_regions([np.zeros((0, 100))]) == 1


# --- tints ------------------------------------------------------------------------

def test_neighbours_across_one_crease_never_share_a_tint():
    params, acts = random_net((2, 12, 6, 2), ("relu", "relu"), seed=7)
    R = 120
    zs = grid_z(params, acts, SQUARE, R)
    regions = linear_regions(zs)
    tint = regions.tints[regions.ids].reshape(R, R)
    on = np.vstack([z > 0 for z in zs]).reshape(-1, R, R)
    for axis in (1, 2):   # neighbours along y, then along x
        flips = np.sum(np.diff(on, axis=axis), axis=0)
        one = flips == 1
        assert one.sum() > 100
        assert np.all(np.diff(tint, axis=axis - 1)[one] != 0)


def test_a_regions_tint_follows_its_pattern_not_its_place():
    params, acts = homework_242()
    whole = linear_regions(grid_z(params, acts, SQUARE, 41))
    corner = linear_regions(grid_z(params, acts, (0.5, 2.0, 0.5, 2.0), 16))   # 4 of the 9 regions
    assert corner.count == 4
    X_whole, X_corner = grid_points(SQUARE, 41), grid_points((0.5, 2.0, 0.5, 2.0), 16)
    for at in (np.array([1.5, 1.5]), np.array([0.7, 1.5]), np.array([1.5, 0.7]), np.array([0.7, 0.7])):
        i = np.argmin(np.abs(X_whole - at[:, None]).sum(axis=0))
        j = np.argmin(np.abs(X_corner - at[:, None]).sum(axis=0))
        assert whole.tints[whole.ids[i]] == corner.tints[corner.ids[j]]
    assert corner.ids[0] == 0 and whole.tints.max() < TINTS


# --- dead units -------------------------------------------------------------------

def test_a_dead_unit_is_reported_dead_and_a_live_one_not():
    # unit 0: z = x1 - 5, off on every point in [-2, 2]^2; unit 1: z = x1, on for
    # half; unit 2: z = -x2 - 2, zero at one point and negative elsewhere (dead)
    W1 = np.array([[1.0, 1, 0], [0, 0, -1]])
    params = [(W1, np.array([[-5.0], [0], [-2]])), (np.ones((3, 2)), np.zeros((2, 1)))]
    X = grid_points(SQUARE, 9)
    (dead,) = dead_units(params, ["relu", "softmax"], X)
    assert dead.tolist() == [True, False, True]
    # the same units under tanh pass gradient everywhere: never dead
    assert dead_units(params, ["tanh", "softmax"], X)[0].tolist() == [False] * 3
    # no training points: nothing to judge
    assert dead_units(params, ["relu", "softmax"], np.zeros((2, 0)))[0].tolist() == [False] * 3


def test_a_deeper_unit_dies_behind_the_units_it_reads():
    # layer 2's unit 0 reads only layer-1 unit 0, which is dead: z2 = relu(.) - 1 = -1 everywhere
    params = [(np.array([[1.0, 1.0], [0, 0]]), np.array([[-5.0], [0]])),
              (np.array([[1.0, 0], [0, 1]]), np.array([[-1.0], [0.5]])),
              (np.ones((2, 2)), np.zeros((2, 1)))]
    first, second = dead_units(params, ["relu", "relu", "softmax"], grid_points(SQUARE, 9))
    assert first.tolist() == [True, False] and second.tolist() == [True, False]


def test_preactivations_are_the_homework_modules_forward_pass():
    rng = np.random.default_rng(4)
    net = Sequential([Linear(2, 5, rng), ReLU(), Linear(5, 3, rng), Tanh(), Linear(3, 2, rng), SoftMax()], NLL())
    X = rng.normal(size=(2, 17))
    z1, z2 = hidden_preactivations(layer_params(net), ["relu", "tanh", "softmax"], X)
    net.forward(X)
    A1 = net.modules[1].forward(net.modules[0].forward(X))
    np.testing.assert_allclose(z1, net.modules[0].forward(X), rtol=1e-12)
    np.testing.assert_allclose(z2, net.modules[2].forward(A1), rtol=1e-12)


def test_patterns_that_share_a_hash_key_are_still_told_apart(monkeypatch):
    # with a multiplier of 0 the key is the last word alone: points whose first
    # words differ collide, and the exact sort by every word must take over
    monkeypatch.setattr(creases, "_MIX", np.uint64(0))
    params, acts = random_net((2, 100, 10, 3), ("relu", "relu"), seed=3)
    zs = grid_z(params, acts, SQUARE, 60)
    regions = linear_regions(zs)
    assert regions.count == count_regions(zs) == brute_force_count(zs) > 100
    patterns = [column.tobytes() for column in np.vstack([z > 0 for z in zs]).T]
    assert len(set(zip(regions.ids.tolist(), patterns))) == regions.count

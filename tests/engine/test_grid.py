"""engine.grid: the grid's axes, its blocks, and the classes and confidence
it gives, against the algebra of hand-set networks and a plain forward pass."""
import numpy as np
import pytest

from engine import grid
from engine.grid import evaluate_grid, grid_axes

VIEW = (-3.0, 3.0, -3.0, 3.0)


def homework_network():
    """The homework's problem-2 network: four ReLU units with lines x1 = 1,
    x2 = 1, x1 = -1, x2 = -1, and softmax scores z = (S, 2 - S), where S is
    the sum of the hidden outputs, max(|x1| - 1, 0) + max(|x2| - 1, 0)."""
    W1 = np.array([[1.0, 0, -1, 0], [0, 1, 0, -1]])
    W01 = np.full((4, 1), -1.0)
    W2 = np.array([[1.0, -1]] * 4)
    W02 = np.array([[0.0], [2.0]])
    return [(W1, W01), (W2, W02)], ["relu", "softmax"]


def hidden_sum(x1, x2):
    return np.maximum(np.abs(x1) - 1, 0) + np.maximum(np.abs(x2) - 1, 0)


def mesh(resolution, extent=VIEW):
    xs, ys = grid_axes(extent, resolution)
    return np.meshgrid(xs, ys)   # row i is y = ys[i]


def forward(params, activations, X):
    """An independent plain forward pass, X 2 x b -> output pre-activations."""
    fns = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
           "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "linear": lambda z: z}
    A = X
    for index, (W, W0) in enumerate(params):
        Z = W.T @ A + W0
        A = fns[activations[index]](Z) if index < len(params) - 1 else Z
    return Z


def random_network(sizes, hidden, output, seed=0):
    rng = np.random.default_rng(seed)
    params = [(rng.normal(0, 1, (m, n)), rng.normal(0, 0.5, (n, 1)))
              for m, n in zip(sizes[:-1], sizes[1:])]
    return params, list(hidden) + [output]


# --- the grid -----------------------------------------------------------------

def test_grid_axes_include_both_ends():
    xs, ys = grid_axes((-1, 3, 0, 2), 5)
    np.testing.assert_array_equal(xs, [-1, 0, 1, 2, 3])
    np.testing.assert_array_equal(ys, [0, 0.5, 1, 1.5, 2])


@pytest.mark.parametrize("extent, resolution, message", [
    ((1, 0, 0, 1), 10, "extent"), ((0, 1, 2, 2), 10, "extent"),
    ((0, np.inf, 0, 1), 10, "extent"), ((0, np.nan, 0, 1), 10, "extent"),
    ((0, 1, 0, 1), 1, "resolution"), ((0, 1, 0, 1), 2.5, "resolution"),
])
def test_bad_views_are_rejected(extent, resolution, message):
    with pytest.raises(ValueError, match=message):
        grid_axes(extent, resolution)


def test_rows_are_y_and_columns_are_x():
    # one linear unit, sigmoid output: class 1 where x1 > 0.5 (so by column)
    params, acts = [(np.array([[1.0], [0.0]]), np.array([[-0.5]]))], ["sigmoid"]
    classes = evaluate_grid(params, acts, (0, 1, 0, 2), 3).classes
    np.testing.assert_array_equal(classes, [[0, 0, 1]] * 3)
    params = [(np.array([[0.0], [1.0]]), np.array([[-0.5]]))]
    classes = evaluate_grid(params, acts, (0, 1, 0, 2), 3).classes
    np.testing.assert_array_equal(classes, [[0] * 3, [1] * 3, [1] * 3])


# --- evaluate_grid --------------------------------------------------------------

def test_homework_network_classes_and_confidence_match_the_algebra():
    params, acts = homework_network()
    result = evaluate_grid(params, acts, VIEW, 101, with_probs=True)
    assert result.classes.dtype == np.uint8 and result.confidence.dtype == np.float32
    assert result.probs.shape == (2, 101, 101) and result.probs.dtype == np.float32
    S = hidden_sum(*mesh(101))
    away = np.abs(S - 1) > 1e-6                       # S = 1 is an exact tie
    np.testing.assert_array_equal(result.classes[away], (S < 1)[away])
    expected = 1 / (1 + np.exp(-np.abs(2 - 2 * S)))  # the larger of two softmax outputs
    np.testing.assert_allclose(result.confidence, expected, rtol=1e-6)
    np.testing.assert_allclose(result.probs[1], 1 / (1 + np.exp(2 * S - 2)), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(result.probs.sum(axis=0), 1, rtol=1e-6)
    np.testing.assert_array_equal(result.probs.max(axis=0), result.confidence)


def test_homework_numbers_at_the_origin_and_at_3_14():
    params, acts = homework_network()
    origin = evaluate_grid(params, acts, (0, 1, 0, 1), 2, dtype=np.float64)
    assert origin.classes[0, 0] == 1          # S = 0: z = (0, 2), the second class
    assert origin.confidence[0, 0] == np.float32(0.8807970779778823)   # e^2 / (1 + e^2)
    far = evaluate_grid(params, acts, (3, 4, 14, 15), 2, dtype=np.float64, with_probs=True)
    assert far.classes[0, 0] == 0             # hidden [2, 13, 0, 0]: z = (15, -13)
    assert far.probs[1, 0, 0] == np.float32(np.exp(-28) / (1 + np.exp(-28)))


@pytest.mark.parametrize("resolution", [7, 37, 150])   # one block, two blocks, many
@pytest.mark.parametrize("hidden, output, sizes", [
    (("tanh", "sigmoid"), "softmax", (2, 9, 7, 5)),
    (("relu", "linear", "relu"), "linear", (2, 6, 6, 6, 3)),
    (("relu",), "sigmoid", (2, 12, 1)),
    ((), "softmax", (2, 8)),
])
def test_grid_agrees_with_a_plain_forward_pass(hidden, output, sizes, resolution):
    params, acts = random_network(sizes, hidden, output)
    gx, gy = mesh(resolution, (-4, 5, -2, 3))
    Z = forward(params, acts, np.stack([gx.ravel(), gy.ravel()]))
    if output == "sigmoid":
        p = 1 / (1 + np.exp(-Z[0]))
        probs = np.stack([1 - p, p])
    else:
        e = np.exp(Z - Z.max(axis=0))
        probs = e / e.sum(axis=0)
    classes = probs.argmax(axis=0).reshape(resolution, resolution)
    for dtype, rtol in ((np.float64, 1e-6), (np.float32, 1e-4)):
        result = evaluate_grid(params, acts, (-4, 5, -2, 3), resolution, dtype, with_probs=True)
        assert np.mean(result.classes == classes) > 0.995
        np.testing.assert_allclose(result.confidence.ravel(), probs.max(axis=0), rtol=rtol, atol=1e-6)
        np.testing.assert_allclose(result.probs.reshape(len(probs), -1), probs, rtol=rtol, atol=1e-6)
    assert evaluate_grid(params, acts, (-4, 5, -2, 3), resolution).probs is None


def test_sigmoid_output_is_class_one_above_one_half():
    params, acts = [(np.array([[1.0], [1.0]]), np.array([[-1.0]]))], ["sigmoid"]
    result = evaluate_grid(params, acts, (0, 2, 0, 2), 3, with_probs=True)
    # z = x1 + x2 - 1 on the grid {0, 1, 2}^2
    np.testing.assert_array_equal(result.classes, [[0, 0, 1], [0, 1, 1], [1, 1, 1]])
    assert result.confidence[0, 0] == np.float32(0.7310585786300049)   # sigmoid(1) at z = -1
    assert result.confidence[1, 0] == np.float32(0.5)                  # z = 0: p = 1/2, class 0
    np.testing.assert_allclose(result.probs[:, 2, 2], [0.04742587317756678, 0.9525741268224334], rtol=1e-7)


def test_linear_output_reads_scores_through_a_softmax():
    params, acts = [(np.array([[1.0, -1.0], [0.0, 0.0]]), np.zeros((2, 1)))], ["linear"]
    result = evaluate_grid(params, acts, (-1, 1, 0, 1), 3)
    np.testing.assert_array_equal(result.classes[0], [1, 0, 0])   # x1 = -1, 0 (tie), 1
    np.testing.assert_allclose(result.confidence[0], [0.8807970779778823, 0.5, 0.8807970779778823],
                               rtol=2e-7)   # one float32 ulp


def test_blocks_cover_the_grid_exactly_once(monkeypatch):
    monkeypatch.setattr(grid, "BLOCK_POINTS", 50)
    params, acts = homework_network()
    covered = np.zeros(23 * 23, dtype=int)
    for cells, layers in grid._blocks(params, acts, *grid_axes(VIEW, 23)):
        covered[cells] += 1
        assert layers[0][0].shape == (4, cells.stop - cells.start)
    assert covered.tolist() == [1] * (23 * 23)


@pytest.mark.parametrize("seed", range(4))
def test_the_winner_is_argmax_with_ties_to_the_first(seed):
    """grid._winner replaces argmax(axis=0) for speed: same classes, ties included."""
    rng = np.random.default_rng(seed)
    Z = rng.integers(-2, 3, size=(1 + seed * 2, 500)).astype(np.float32)   # many exact ties
    classes, best = grid._winner(Z)
    np.testing.assert_array_equal(classes, Z.argmax(axis=0))
    np.testing.assert_array_equal(best, Z.max(axis=0))



@pytest.mark.parametrize("resolution", [7, 37])   # one block, several
def test_grid_pass_keeps_every_layer_of_a_plain_forward_pass(resolution):
    params, acts = random_network((2, 9, 6, 3), ("relu", "tanh"), "softmax", seed=4)
    plane = grid.GridPass(params, acts, (-4, 5, -2, 3), resolution, keep="za")
    gx, gy = mesh(resolution, (-4, 5, -2, 3))
    A = np.stack([gx.ravel(), gy.ravel()])
    expected_z, expected_a = [], []
    for (W, W0), name in zip(params, acts):
        Z = W.T @ A + W0
        A = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "softmax": lambda z: z}[name](Z)
        expected_z.append(Z)
        expected_a.append(A)
    assert [z.shape for z in plane.hidden_z] == [(9, resolution ** 2), (6, resolution ** 2)]
    assert plane.hidden_z[0].dtype == plane.scores.dtype == np.float32
    for kept, want in zip(plane.hidden_z + [plane.scores], expected_z):
        np.testing.assert_allclose(kept, want, rtol=1e-4, atol=1e-5)
    for kept, want in zip(plane.hidden_a, expected_a):
        np.testing.assert_allclose(kept, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(plane.classify().classes.ravel(), plane.winner()[0])
    assert repr(plane) == f"GridPass({resolution}x{resolution}, scores (3, {resolution ** 2}), " \
                          "hidden_z [9, 6], hidden_a [9, 6])"


def test_grid_pass_keeps_only_what_it_is_asked_for():
    params, acts = homework_network()
    plane = grid.GridPass(params, acts, VIEW, 5)
    assert plane.hidden_z == [] and plane.hidden_a == [] and plane.scores.shape == (2, 25)
    assert [z.shape for z in grid.GridPass(params, acts, VIEW, 5, keep="z").hidden_z] == [(4, 25)]
    with pytest.raises(ValueError, match="keep"):
        grid.GridPass(params, acts, VIEW, 5, keep="x")

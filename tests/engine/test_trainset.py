"""The points a run is given: refused with the set and the fault named, and
the copies the computation reads."""
import numpy as np
import pytest

from engine.network import NetworkSpec
from engine.trainconfig import TrainConfig
from engine.training import Run
from engine.trainset import checked_points, working_copy

SPEC = NetworkSpec(hidden=(6, 4), activations=("tanh", "relu"), n_classes=3)


X4, Y4 = np.zeros((2, 4)), np.array([0, 1, 2, 0])


@pytest.mark.parametrize("args, message", [
    ((np.zeros((3, 4)), Y4, np.zeros((2, 0)), np.zeros(0)), "X_train must be 2 x b"),
    ((np.zeros(4), Y4, np.zeros((2, 0)), np.zeros(0)), "X_train must be 2 x b"),
    ((X4, Y4[:3], np.zeros((2, 0)), np.zeros(0)), r"y_train must have shape \(4,\)"),
    ((np.zeros((2, 0)), np.zeros(0), np.zeros((2, 0)), np.zeros(0)), "the train set is empty"),
    ((np.full((2, 4), np.inf), Y4, np.zeros((2, 0)), np.zeros(0)), "X_train has a non-finite value"),
    ((X4, np.array([0.5, 1, 2, 0]), np.zeros((2, 0)), np.zeros(0)), "integer labels"),
    ((X4, np.array([0.0, np.nan, 2, 0]), np.zeros((2, 0)), np.zeros(0)), "integer labels"),
    ((X4, np.array(["0", "1", "2", "0"]), np.zeros((2, 0)), np.zeros(0)), "integer labels"),
    ((X4, np.array([False, True, True, False]), np.zeros((2, 0)), np.zeros(0)), "integer labels"),
    ((X4, np.array([0, 1, 3, 0]), np.zeros((2, 0)), np.zeros(0)), r"labels must be in 0..2"),
    ((X4, np.array([0, -1, 2, 0]), np.zeros((2, 0)), np.zeros(0)), r"labels must be in 0..2"),
    ((X4, Y4, np.zeros((2, 2)), np.zeros(3)), r"y_val must have shape \(2,\)"),
])
def test_bad_data_is_rejected(args, message):
    with pytest.raises(ValueError, match=message):
        Run(SPEC, *args, TrainConfig(), 0)


def test_float_labels_that_are_integers_are_accepted():
    run = Run(SPEC, X4, np.array([0.0, 1.0, 2.0, 0.0]), np.zeros((2, 0)), np.zeros(0), TrainConfig(), 0)
    assert run.y_train.dtype == np.int64 and run.y_train.tolist() == [0, 1, 2, 0]


@pytest.mark.parametrize("output, rows", [("softmax", [[1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0]]),
                                          ("linear", [[1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0]]),
                                          ("sigmoid", [[0, 1, 1, 0]])])
def test_the_working_copy_appends_a_row_of_ones_and_holds_the_targets(output, rows):
    spec = NetworkSpec(hidden=(3,), output=output, n_classes=2 if output == "sigmoid" else 3)
    X, y = checked_points(spec, [[1.0, 2, 3, 4], [5, 6, 7, 8]], [0, 1, 2 if rows[1:] else 1, 0], "train", False)
    Xc, Y = working_copy(spec, X, y, "train", np.dtype("float32"))
    assert Xc.dtype == Y.dtype == np.float32
    np.testing.assert_array_equal(Xc, [[1, 2, 3, 4], [5, 6, 7, 8], [1, 1, 1, 1]])
    np.testing.assert_array_equal(Y, rows)


def test_a_point_beyond_the_dtype_is_refused_by_name():
    spec = NetworkSpec(hidden=(3,), n_classes=2)
    X, y = checked_points(spec, [[1e300, 0], [0, 0]], [0, 1], "val", True)
    with pytest.raises(ValueError, match="X_val has a value beyond float32's range"):
        working_copy(spec, X, y, "val", np.dtype("float32"))
    assert working_copy(spec, X, y, "val", np.dtype("float64"))[0][0, 0] == 1e300

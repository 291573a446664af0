import pytest

from engine.experiment.harness import prepare_data


@pytest.fixture(scope="module")
def data():
    """48 separable points, a quarter held out: (X_tr, y_tr, X_val, y_val, k)."""
    return prepare_data("separable", split=0.25, seed=3, n=48)

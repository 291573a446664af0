"""A run's hyperparameters: bad values are refused with the field named."""
import numpy as np
import pytest

from engine.optim import OptimizerSpec
from engine.trainconfig import DTYPES, TrainConfig


def test_the_defaults():
    config = TrainConfig()
    assert (config.optimizer, config.batch_size, config.reduction, config.dtype, config.shuffle,
            config.epoch_loss) == (OptimizerSpec(), 10, "mean", "float64", True, "mean")
    assert DTYPES == ("float64", "float32")


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_size=0), "batch_size must be an integer >= 1"),
    (dict(batch_size=2.5), "batch_size must be an integer >= 1"),
    (dict(reduction="max"), "reduction must be one of"),
    (dict(optimizer="adam"), "optimizer must be an OptimizerSpec"),
])
def test_bad_config_is_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


@pytest.mark.parametrize("field, value, message", [("shuffle", 1, "shuffle must be true or false"),
                                                   ("epoch_loss", "sum", "epoch_loss must be one of")])
def test_bad_batch_order_settings_are_refused(field, value, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{field: value})


def test_an_unknown_dtype_is_refused_and_an_integer_batch_size_kept_as_int():
    with pytest.raises(ValueError, match="dtype must be one of"):
        TrainConfig(dtype="float16")
    assert type(TrainConfig(batch_size=np.int64(5)).batch_size) is int

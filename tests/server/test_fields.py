"""The pieces of every request model (server/fields.py): limits read from the
validation context, integral floats, optional fields that may not be null,
and the learning rate's bounds."""
from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import ValidationError

from server.config import Limits
from server.fields import INTEGRAL, LR_MAX, LR_MIN, AtMost, Rate, Seed, Strict, optional


class Layers(Strict):
    units: Annotated[int, AtMost("max_units"), INTEGRAL]
    sizes: Annotated[list[int], AtMost("max_layers", items=True)] = optional()


class Hyper(Strict):
    lr: Rate
    seed: Seed = 1


def error_type(model, value, **context) -> str:
    with pytest.raises(ValidationError) as e:
        model.model_validate(value, context=context or None)
    return e.value.errors()[0]["type"]


def test_a_limit_is_the_one_in_the_context_or_the_default():
    assert error_type(Layers, {"units": Limits.max_units + 1}) == "limit_exceeded"
    assert Layers.model_validate({"units": 300}, context={"limits": Limits(max_units=300)}).units == 300
    assert error_type(Layers, {"units": 1, "sizes": [1] * 3}, limits=Limits(max_layers=2)) == "limit_exceeded"


def test_integral_floats_are_integers_and_nothing_else_is():
    assert Layers.model_validate({"units": 8.0}).units == 8
    for value in (2.5, "8", True):
        assert error_type(Layers, {"units": value}) in ("int_type", "int_from_float")


def test_an_optional_field_may_be_left_out_but_not_sent_as_null():
    assert Layers.model_validate({"units": 1}).sizes is None
    assert error_type(Layers, {"units": 1, "sizes": None}) == "list_type"
    assert "default" not in Layers.model_json_schema()["properties"]["sizes"]


def test_the_rate_bounds():
    assert Hyper.model_validate({"lr": LR_MIN}).lr == LR_MIN and Hyper.model_validate({"lr": LR_MAX}).lr == LR_MAX
    assert error_type(Hyper, {"lr": LR_MIN / 2}) == "greater_than_equal"
    assert error_type(Hyper, {"lr": LR_MAX * 2}) == "less_than_equal"
    assert error_type(Hyper, {"lr": float("nan")}) == "finite_number"

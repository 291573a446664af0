"""The homework's 3.3: the textbook softmax overflows in float64 where the
max-shifted one does not, and the two agree wherever the textbook one works."""
import math

import numpy as np
import pytest

from engine.stability import FLOAT64_EXP_LIMIT, compare, naive_softmax


def test_large_preactivations_overflow_the_naive_formula_only():
    r = compare([1000.0, 999.0, 998.0])
    assert r["naive"]["exp"] == ["inf", "inf", "inf"]            # e^1000 > 1.8e308
    assert r["naive"]["g"] == ["nan", "nan", "nan"]              # inf / inf
    assert "overflow" in r["naive"]["problems"] and not r["naive"]["finite"]
    assert r["stable"]["shifted"] == [0.0, -1.0, -2.0]
    # By hand: e^0, e^-1, e^-2 over their sum.
    s = 1 + math.exp(-1) + math.exp(-2)
    assert r["stable"]["g"] == pytest.approx([1 / s, math.exp(-1) / s, math.exp(-2) / s], rel=1e-15)


def test_small_preactivations_agree():
    r = compare([1.0, 2.0, 3.0])
    assert r["naive"]["problems"] == [] and r["naive"]["finite"]
    assert r["naive"]["g"] == pytest.approx(r["stable"]["g"], rel=1e-15)


def test_very_negative_preactivations_underflow_to_zero_over_zero():
    e, g, problems = naive_softmax([-1000.0, -1001.0])
    assert e.tolist() == [0.0, 0.0] and np.isnan(g).all() and "invalid value" in problems
    assert compare([-1000.0, -1001.0])["stable"]["g"] == pytest.approx(
        [1 / (1 + math.exp(-1)), math.exp(-1) / (1 + math.exp(-1))], rel=1e-15)


def test_exp_limit_is_where_float64_overflows():
    assert math.isfinite(math.exp(FLOAT64_EXP_LIMIT - 1e-9))
    with pytest.raises(OverflowError):
        math.exp(FLOAT64_EXP_LIMIT + 1e-9)


@pytest.mark.parametrize("z", [[], [float("inf")], [float("nan"), 1.0]])
def test_bad_input(z):
    with pytest.raises(ValueError):
        compare(z)

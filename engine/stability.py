"""Why softmax subtracts the max (the homework's 3.3), computed, not told.

``naive_softmax`` is the textbook formula e^z_i / sum_j e^z_j in float64;
``functions.softmax`` subtracts max(z) first, which changes nothing
mathematically (the common factor e^-max cancels) but keeps every exponent
<= 0, so exp never overflows and the largest term is exactly 1.
"""
from __future__ import annotations

import numpy as np

from engine.functions import softmax

FLOAT64_EXP_LIMIT = float(np.log(np.finfo(np.float64).max))   # ~709.78: e^z overflows above


def _listed(a: np.ndarray) -> list:
    """Floats as JSON can carry them: inf and nan become the strings "inf", "-inf", "nan"."""
    return [v if np.isfinite(v) else ("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf"))
            for v in np.asarray(a, dtype=np.float64).tolist()]


def naive_softmax(z) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """e^z / sum(e^z) without the shift: (exponentials, result, floating-point
    problems numpy met: "overflow", "invalid value" (inf/inf = nan), "underflow", ...)."""
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    problems: list[str] = []

    def note(kind, _flag):
        if kind not in problems:
            problems.append(kind)
    with np.errstate(all="call", call=note):
        e = np.exp(z)
        result = e / e.sum()
    return e, result, problems


def compare(z) -> dict:
    """Both ways for one vector of pre-activations z (k values).

    -> {"z", "max", "naive": {"exp", "g", "problems", "finite"},
        "stable": {"shifted", "exp", "g", "sum"}, "exp_limit"}; non-finite
    numbers appear as "inf"/"-inf"/"nan" strings (JSON has no literal for them).
    """
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    if z.size < 1 or not np.isfinite(z).all():
        raise ValueError("z must be one or more finite numbers")
    e, g, problems = naive_softmax(z)
    shifted = z - z.max()
    stable_exp = np.exp(shifted)
    stable = softmax(z.reshape(-1, 1))[:, 0]
    return {
        "z": z.tolist(), "max": float(z.max()),
        "naive": {"exp": _listed(e), "g": _listed(g), "problems": problems,
                  "finite": bool(np.isfinite(g).all())},
        "stable": {"shifted": shifted.tolist(), "exp": stable_exp.tolist(), "g": stable.tolist(),
                   "sum": float(stable.sum())},
        "exp_limit": FLOAT64_EXP_LIMIT,
    }

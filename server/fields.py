"""The pieces every request model is built from: strict JSON, limits an
operator sets (``AtMost``), and the bounded numbers shared by the
playground's, the lessons' and the experiments' schemas.

Strict JSON: no type coercion ("1" is not a number, true is not an integer),
no unknown fields, no NaN or Infinity.  Limits that an operator can change
(layers, units, points, ...) are ``AtMost`` markers: they read the app's
``Limits`` from the validation context and tell openapi.py which bound to
write into the document.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError, core_schema

from engine.datasets import DATASETS
from engine.functions import HIDDEN_ACTIVATIONS

from .config import Limits

COORD_MAX = 1e4      # |x1|, |x2| of any point: far beyond any dataset, safe from overflow
WEIGHT_MAX = 1e6     # |w| of a weight set by hand or resumed
SEED_MAX = 2**32 - 1
COUNT_MAX = 10**12   # step and epoch counters of a resumed session
HISTORY_MAX = 100_000
LR_MIN, LR_MAX = 1e-6, 10.0   # any learning rate; the page reads them from GET /api/datasets


def limits_of(info: core_schema.ValidationInfo) -> Limits:
    return (info.context or {}).get("limits") or Limits()


@dataclass(frozen=True)
class AtMost:
    """``value <= limits.<limit> + offset`` (or ``len(value)`` with items=True)."""
    limit: str
    offset: int = 0
    items: bool = False

    def bound(self, limits: Limits) -> int:
        return getattr(limits, self.limit) + self.offset

    def __get_pydantic_core_schema__(self, source: Any, handler) -> core_schema.CoreSchema:
        return core_schema.with_info_after_validator_function(self._check, handler(source))

    def _check(self, value: Any, info: core_schema.ValidationInfo) -> Any:
        bound = self.bound(limits_of(info))
        size = len(value) if self.items else value
        if size > bound:
            what = "items" if self.items else "the value"
            raise PydanticCustomError("limit_exceeded", "{what} must be at most {bound} "
                                      "(this server's limit)", {"what": what, "bound": bound})
        return value

    def __get_pydantic_json_schema__(self, schema: Any, handler) -> dict:
        out = handler(schema)
        out["x-limit"] = {"key": "maxItems" if self.items else "maximum",
                          "limit": self.limit, "offset": self.offset}
        return out


def _no_default(schema: dict) -> None:
    schema.pop("default", None)


def optional(**constraints: Any) -> Any:
    """An optional field that may be left out but not sent as null."""
    return Field(default=None, json_schema_extra=_no_default, **constraints)


class Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


def _integral(value: Any) -> Any:
    """8.0 is the integer 8 in JSON's number model (and JSON Schema's): accept it.
    2.5, "8" and true stay wrong types."""
    if type(value) is float and value.is_integer():
        return int(value)
    return value


INTEGRAL = BeforeValidator(_integral)   # last in every integer field's Annotated[...]


Coord = Annotated[float, Field(ge=-COORD_MAX, le=COORD_MAX)]
Weight = Annotated[float, Field(ge=-WEIGHT_MAX, le=WEIGHT_MAX)]
Seed = Annotated[int, Field(ge=0, le=SEED_MAX), INTEGRAL]
Label = Annotated[int, Field(ge=0), AtMost("max_classes", -1), INTEGRAL]
Point = tuple[Coord, Coord, Label]
Points = Annotated[list[Point], AtMost("max_points", items=True)]
Rate = Annotated[float, Field(ge=LR_MIN, le=LR_MAX)]
Share = Annotated[float, Field(ge=0, le=0.9)]
Unit = Annotated[int, Field(ge=0), AtMost("max_units", -1), INTEGRAL]
Activation = Literal[HIDDEN_ACTIVATIONS]  # type: ignore[valid-type]
DatasetName = Literal[tuple(DATASETS)]    # type: ignore[valid-type]

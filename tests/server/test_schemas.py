"""The playground's request models (server/schemas.py) on their own: the rules
that tie one field to another."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.downloads import FORMATS
from server.schemas import (Advance, DataUpdate, ExportQuery, FileDataUpdate, GeneratedDataUpdate,
                            NetworkSettings, WeightEdit)


def error_type(model, value) -> str:
    with pytest.raises(ValidationError) as e:
        model.model_validate(value)
    return e.value.errors()[0]["type"]


def test_hidden_layers_get_one_activation_each():
    assert NetworkSettings.model_validate({"hidden": [3, 2]}).activations == ["relu", "relu"]
    assert error_type(NetworkSettings, {"hidden": [3, 2], "activations": ["tanh"]}) == "activations_mismatch"


def test_advance_takes_exactly_one_amount():
    assert Advance.model_validate({"epochs": 2}).steps is None
    assert error_type(Advance, {}) == error_type(Advance, {"steps": 1, "epochs": 1}) == "steps_or_epochs"


def test_a_weight_is_w_with_i_and_j_or_a_bias_with_j():
    assert WeightEdit.model_validate({"layer": 0, "kind": "W0", "j": 1, "value": 2}).i is None
    assert error_type(WeightEdit, {"layer": 0, "kind": "W", "j": 1, "value": 2}) == "weight_index"
    assert error_type(WeightEdit, {"layer": 0, "kind": "W0", "i": 0, "j": 1, "value": 2}) == "weight_index"


def test_data_is_told_apart_by_its_source_generated_by_default():
    assert isinstance(DataUpdate.model_validate({"name": "moons"}).root, GeneratedDataUpdate)
    assert isinstance(DataUpdate.model_validate({"source": "file", "text": "1 2 0"}).root, FileDataUpdate)
    assert error_type(DataUpdate, {"source": "csv"}) == "source"


def test_the_export_formats_are_the_downloads_table():
    assert [ExportQuery.model_validate({"format": f}).format for f in FORMATS] == list(FORMATS)
    assert error_type(ExportQuery, {"format": "zip"}) == "literal_error"

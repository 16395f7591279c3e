"""Signatures: MLflow's JSON encoding, inference from examples, and enforcement on every predict."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import mlledger.pyfunc
from mlledger.models import (ColSpec, DataType, Model, ModelSignature, ParamSchema, ParamSpec, Schema,
                             SignatureError, TensorSpec, infer_signature)


class Echo(mlledger.pyfunc.PythonModel):
    """Returns its input and params unchanged, so tests see what enforcement produced."""

    def predict(self, context, model_input, params=None):
        self.last = (model_input, params)
        return model_input


def _load(tmp_path, signature):
    mlledger.pyfunc.save_model(tmp_path / "m", python_model=Echo(), signature=signature)
    return mlledger.pyfunc.load_model(str(tmp_path / "m"))


COLUMNS = ModelSignature(Schema([ColSpec("double", "x"), ColSpec("long", "n"), ColSpec("string", "s"),
                                 ColSpec("boolean", "flag", required=False)]),
                         params=ParamSchema([ParamSpec("k", DataType.long, 3), ParamSpec("mode", "string", "fast")]))


def test_encoding_is_mlflows():
    """to_dict stores each part as a JSON string with MLflow's keys; from_dict reads it back equal."""
    encoded = COLUMNS.to_dict()
    assert json.loads(encoded["inputs"])[0] == {"type": "double", "name": "x", "required": True}
    assert json.loads(encoded["params"])[0] == {"name": "k", "type": "long", "default": 3, "shape": None}
    assert encoded["outputs"] is None
    assert ModelSignature.from_dict(encoded) == COLUMNS
    tensor = ModelSignature(Schema([TensorSpec(np.float32, (-1, 28, 28))]))
    assert json.loads(tensor.to_dict()["inputs"]) == [
        {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]}}]
    assert ModelSignature.from_dict(tensor.to_dict()) == tensor


def test_infer_signature_from_frames_arrays_and_params():
    """Column types, optional columns (with missing values), tensor shapes and param defaults are inferred."""
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [1, 2], "c": ["x", None], "d": [True, False]})
    signature = infer_signature(frame, np.array([0, 1]), params={"temperature": 0.5, "tags": ["a"]})
    assert signature.inputs.to_dict() == [
        {"type": "double", "name": "a", "required": True}, {"type": "long", "name": "b", "required": True},
        {"type": "string", "name": "c", "required": False}, {"type": "boolean", "name": "d", "required": True}]
    assert signature.outputs.to_dict() == [{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]
    assert signature.params.to_dict() == [
        {"name": "temperature", "type": "double", "default": 0.5, "shape": None},
        {"name": "tags", "type": "string", "default": ["a"], "shape": [-1]}]


def test_good_input_passes_and_params_get_defaults(tmp_path):
    """Matching input reaches the model as given; missing params take their defaults, given ones are converted."""
    model = _load(tmp_path, COLUMNS)
    frame = pd.DataFrame({"x": [1.5], "n": [2], "s": ["a"], "flag": [True]})
    out = model.predict(frame, params={"k": "7"})
    assert out.equals(frame)
    assert model.unwrap_python_model().last[1] == {"k": 7, "mode": "fast"}


def test_int_is_widened_to_double(tmp_path):
    """An integer column where a double is declared is converted, not refused."""
    out = _load(tmp_path, COLUMNS).predict({"x": [1, 2], "n": [1, 2], "s": ["a", "b"]})
    assert out["x"].dtype == np.float64 and list(out["x"]) == [1.0, 2.0]


def test_missing_column_names_the_column(tmp_path):
    """A missing required column is a SignatureError naming it and its type; a missing optional one is fine."""
    model = _load(tmp_path, COLUMNS)
    with pytest.raises(SignatureError, match=r"missing required column 'n' \(expected type long\)"):
        model.predict(pd.DataFrame({"x": [1.0], "s": ["a"]}))
    assert list(model.predict(pd.DataFrame({"x": [1.0], "n": [1], "s": ["a"]})).columns) == ["x", "n", "s"]


def test_wrong_type_names_the_column_and_problem(tmp_path):
    """Strings where a double is declared, or floats where a long is, are refused with the column named."""
    model = _load(tmp_path, COLUMNS)
    with pytest.raises(SignatureError, match=r"column 'x': expected double, got string values"):
        model.predict(pd.DataFrame({"x": ["one"], "n": [1], "s": ["a"]}))
    with pytest.raises(SignatureError, match=r"column 'n': expected long, got float64 values"):
        model.predict(pd.DataFrame({"x": [1.0], "n": [1.5], "s": ["a"]}))
    with pytest.raises(SignatureError, match=r"column 's': expected string, got int64 values"):
        model.predict(pd.DataFrame({"x": [1.0], "n": [1], "s": [5]}))


def test_extra_columns_are_dropped_with_a_warning(tmp_path):
    """Columns the signature does not name are removed before predict, and the caller is warned."""
    model = _load(tmp_path, COLUMNS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = model.predict(pd.DataFrame({"x": [1.0], "n": [1], "s": ["a"], "extra": [0]}))
    assert "extra" not in out.columns
    assert any("extra" in str(w.message) for w in caught)


def test_bad_params_name_the_param(tmp_path):
    """A param that cannot be converted is refused by name; an unknown one is ignored with a warning."""
    model = _load(tmp_path, COLUMNS)
    frame = pd.DataFrame({"x": [1.0], "n": [1], "s": ["a"]})
    with pytest.raises(SignatureError, match=r"param 'k': expected long, got 'many'"):
        model.predict(frame, params={"k": "many"})
    with pytest.warns(UserWarning, match="unknown"):
        model.predict(frame, params={"unknown": 1})


def test_tensor_shapes_and_dtypes_are_enforced(tmp_path):
    """A tensor signature checks the shape (-1 is any size) and allows only safe dtype casts."""
    model = _load(tmp_path, ModelSignature(Schema([TensorSpec(np.float64, (-1, 3))])))
    assert model.predict(np.ones((2, 3), dtype=np.int32)).dtype == np.float64
    assert model.predict([[1.0, 2.0, 3.0]]).shape == (1, 3)
    with pytest.raises(SignatureError, match=r"expected shape \[-1, 3\], got \[2, 4\]"):
        model.predict(np.ones((2, 4)))
    with pytest.raises(SignatureError, match="expected dtype float64, got complex128"):
        model.predict(np.ones((2, 3), dtype=np.complex128))


def test_lists_dicts_and_arrays_become_named_frames(tmp_path):
    """Records, a dict of columns, rows as lists and 2-D arrays are all accepted against a column signature."""
    signature = ModelSignature(Schema([ColSpec("double", "a"), ColSpec("double", "b")]))
    model = _load(tmp_path, signature)
    expected = pd.DataFrame({"a": [1.0], "b": [2.0]})
    for data in ([{"a": 1.0, "b": 2.0}], {"a": 1.0, "b": 2.0}, {"a": [1.0], "b": [2.0]}, [[1.0, 2.0]],
                 np.array([[1.0, 2.0]])):
        assert model.predict(data).reset_index(drop=True).equals(expected), data


def test_mlmodel_round_trips_unknown_fields(tmp_path):
    """Fields this version does not know are kept when MLmodel is read and written again."""
    (tmp_path / "MLmodel").write_text("flavors: {}\nmodel_uuid: abc\nutc_time_created: '2024-01-01'\n"
                                      "prompts: null\nfuture_field: 42\n")
    model = Model.load(tmp_path)
    model.save(tmp_path)
    again = Model.load(tmp_path)
    assert again.model_uuid == "abc" and again.to_dict()["future_field"] == 42


def test_nullable_and_missing_values(tmp_path):
    """Pandas nullable integers without gaps are accepted; gaps in a required integer column are named as such."""
    model = _load(tmp_path, COLUMNS)
    ints = pd.array([1, 2], dtype="Int64")
    out = model.predict(pd.DataFrame({"x": ints, "n": ints, "s": ["a", "b"]}))
    assert out["x"].dtype == np.float64 and out["n"].dtype == np.int64
    with pytest.raises(SignatureError, match=r"column 'n': expected long, got missing values"):
        model.predict(pd.DataFrame({"x": [1.0], "n": pd.array([None], dtype="Int64"), "s": ["a"]}))


def test_positional_columns_are_widened_and_checked(tmp_path):
    """A signature without names checks columns by position and widens them like named ones."""
    model = _load(tmp_path, ModelSignature(Schema([ColSpec("double"), ColSpec("long")])))
    out = model.predict([[1, 2], [3, 4]])
    assert out.dtypes.tolist() == [np.float64, np.int64] and out.iloc[1, 0] == 3.0
    with pytest.raises(SignatureError, match="column at position 0: expected double, got string values"):
        model.predict([["x", 2]])

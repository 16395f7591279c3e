"""`infer_signature`: a signature from an example input (and output, and params), as MLflow infers it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from mlledger.models.schema import ColSpec, DataType, ModelSignature, ParamSchema, ParamSpec, Schema, TensorSpec


def infer_signature(model_input: Any = None, model_output: Any = None,
                    params: dict[str, Any] | None = None) -> ModelSignature:
    """The signature `model_input` / `model_output` / `params` (name -> default) imply."""
    return ModelSignature(infer_schema(model_input) if model_input is not None else None,
                          infer_schema(model_output) if model_output is not None else None,
                          infer_param_schema(params) if params else None)


def infer_schema(data: Any) -> Schema:
    """Columns for tables, dicts and lists; tensors for numpy arrays (batch dimension -1)."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return Schema([ColSpec(_column_type(data[c]), str(c), not bool(data[c].isna().any())) for c in data.columns])
    if isinstance(data, pd.Series):
        return Schema([ColSpec(_column_type(data), str(data.name) if data.name is not None else None)])
    if isinstance(data, np.ndarray):
        if data.dtype == object:
            return infer_schema(pd.DataFrame(data) if data.ndim == 2 else pd.Series(data))
        return Schema([TensorSpec(data.dtype, (-1, *data.shape[1:]))])
    if isinstance(data, dict):
        if all(isinstance(v, np.ndarray) for v in data.values()):
            return Schema([TensorSpec(v.dtype, (-1, *v.shape[1:]), str(k)) for k, v in data.items()])
        return infer_schema(pd.DataFrame({k: v if isinstance(v, (list, np.ndarray, pd.Series)) else [v]
                                          for k, v in data.items()}))
    if isinstance(data, list):
        if data and all(isinstance(row, dict) for row in data):
            return infer_schema(pd.DataFrame.from_records(data))
        return infer_schema(pd.Series(data))
    if isinstance(data, (str, bytes, bool, int, float)):
        return Schema([ColSpec(_scalar_type(data))])
    raise TypeError(f"cannot infer a schema from {type(data).__name__}")


def infer_param_schema(params: dict[str, Any]) -> ParamSchema:
    """Each param's type and shape from its default value."""
    specs = []
    for name, value in params.items():
        if isinstance(value, (list, tuple, np.ndarray)):
            values = list(value)
            if not values:
                raise ValueError(f"param {name!r}: cannot infer a type from an empty list")
            specs.append(ParamSpec(name, _scalar_type(values[0]), values, (-1,)))
        else:
            specs.append(ParamSpec(name, _scalar_type(value), value))
    return ParamSchema(specs)


def _scalar_type(value: Any) -> DataType:
    if isinstance(value, (bool, np.bool_)):
        return DataType.boolean
    if isinstance(value, (int, np.integer)):
        return DataType.integer if isinstance(value, np.int32) else DataType.long
    if isinstance(value, np.float32):
        return DataType.float
    if isinstance(value, (float, np.floating)):
        return DataType.double
    if isinstance(value, str):
        return DataType.string
    if isinstance(value, bytes):
        return DataType.binary
    if isinstance(value, (dt.datetime, np.datetime64)):
        return DataType.datetime
    raise TypeError(f"cannot infer a type from {type(value).__name__} value {value!r}")


def _column_type(column: Any) -> DataType:
    kind = column.dtype
    if not isinstance(kind, np.dtype):  # pandas extension types (str, Int64, ...): judge by the values
        kind = np.dtype(object) if kind.kind == "O" else np.dtype(kind.numpy_dtype if hasattr(kind, "numpy_dtype")
                                                                   else object)
    if kind == bool:
        return DataType.boolean
    if np.issubdtype(kind, np.datetime64) or str(kind).startswith("datetime64"):
        return DataType.datetime
    if kind.kind in "iu":
        return DataType.integer if kind.itemsize <= 4 and kind.kind == "i" else DataType.long
    if kind.kind == "f":
        return DataType.float if kind.itemsize <= 4 else DataType.double
    values = column.dropna()
    if len(values) == 0:
        return DataType.string
    return _scalar_type(values.iloc[0])

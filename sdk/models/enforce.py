"""Signature enforcement: turn what a caller passed into what the model was built for, or say
precisely why not (a `SignatureError` naming the column or param and the problem).

Safe widenings are applied silently (int -> float, float32 -> double, int32 -> long); extra
columns are dropped with a warning; optional columns may be absent.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import numpy as np

from mlledger.models.schema import ColSpec, DataType, ModelSignature, ParamSchema, ParamSpec, Schema, TensorSpec


class SignatureError(ValueError):
    """The input or params do not match the model's signature; the message names what and why."""


def to_frame(data: Any, schema: Schema | None = None) -> Any:
    """A pandas DataFrame of dicts, lists of dicts, lists of rows and 2-D arrays (named by the schema)."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame()
    names = [spec.name for spec in schema.inputs] if schema is not None and schema.has_input_names() else None
    if isinstance(data, dict):
        if all(np.ndim(v) == 0 for v in data.values()):
            return pd.DataFrame([data])
        return pd.DataFrame({k: list(v) if np.ndim(v) > 1 else v for k, v in data.items()})
    if isinstance(data, list) and data and all(isinstance(row, dict) for row in data):
        return pd.DataFrame.from_records(data)
    array = np.asarray(data, dtype=object if isinstance(data, list) else None)
    if array.ndim == 1:
        array = array.reshape(1, -1) if names and len(array) == len(names) and len(names) > 1 else array.reshape(-1, 1)
    if array.ndim != 2:
        raise SignatureError(f"expected a table of rows; got an array of shape {array.shape}")
    frame = pd.DataFrame(array, columns=names if names and array.shape[1] == len(names) else None)
    return frame.infer_objects() if array.dtype == object else frame


def enforce_input(data: Any, signature: ModelSignature | None) -> Any:
    """The model input `data` becomes under the signature's input schema (unchanged without one)."""
    schema = signature.inputs if signature is not None else None
    if schema is None or not schema.inputs:
        if isinstance(data, dict) or (isinstance(data, list) and data and all(isinstance(r, dict) for r in data)):
            return to_frame(data)
        return data
    if schema.is_tensor_spec():
        return _enforce_tensors(data, schema)
    return _enforce_columns(to_frame(data, schema), schema)


def _exact_dtypes(schema: Schema) -> list[np.dtype] | None:
    """The numpy dtypes a frame that needs no conversion has, column by column (None: always check)."""
    cached = schema.__dict__.get("_exact_dtypes", False)
    if cached is False:
        columns = schema.column_specs()
        simple = all(isinstance(spec.type, DataType) and spec.type.to_numpy() != object and spec.required
                     for spec in columns)
        cached = [spec.type.to_numpy() for spec in columns] if simple else None  # type: ignore[union-attr]
        schema.__dict__["_exact_dtypes"] = cached
    return cached  # type: ignore[no-any-return]


def _enforce_columns(frame: Any, schema: Schema) -> Any:
    if not schema.has_input_names():
        return _enforce_positional(frame, schema)
    exact = _exact_dtypes(schema)
    if exact is not None and list(frame.columns) == schema.input_names() and list(frame.dtypes) == exact:
        return frame  # the common case on a hot path (one-row requests): nothing to convert or report
    names = [str(c) for c in frame.columns]
    if names != list(frame.columns):
        frame = frame.set_axis(names, axis=1)
    for spec in schema.column_specs():
        if spec.required and spec.name not in frame.columns:
            raise SignatureError(f"missing required column {spec.name!r} (expected type {spec.type_name})")
    wanted = [spec.name for spec in schema.inputs if spec.name in frame.columns]
    extra = [name for name in names if name not in set(wanted)]
    if extra:
        warnings.warn(f"columns not in the model's signature are dropped: {extra}", stacklevel=3)
    if wanted != names:
        frame = frame[wanted]
    changed: dict[str, Any] = {}
    for spec in schema.column_specs():
        if spec.name in frame.columns:
            column = frame[spec.name]
            enforced = _enforce_column(column, spec, repr(spec.name))
            if enforced is not column:
                changed[str(spec.name)] = enforced
    return frame.assign(**changed) if changed else frame


def _enforce_positional(frame: Any, schema: Schema) -> Any:
    required = len(schema.required_input_names())
    if frame.shape[1] < required:
        raise SignatureError(f"expected at least {required} columns, got {frame.shape[1]}")
    if frame.shape[1] > len(schema.inputs):
        raise SignatureError(f"expected at most {len(schema.inputs)} columns, got {frame.shape[1]}")
    import pandas as pd

    columns = [_enforce_column(frame.iloc[:, position], spec, f"at position {position}")
               for position, spec in enumerate(schema.column_specs()[: frame.shape[1]])]
    return pd.concat(columns, axis=1, keys=list(frame.columns))  # a new frame: widened columns change dtype


def _enforce_column(column: Any, spec: ColSpec, label: str) -> Any:
    """The column in the spec's type (widened if safe), or a SignatureError naming it."""
    import pandas as pd

    if not isinstance(spec.type, DataType):
        return column  # composite types (array, object, map) are passed through as given
    expected = spec.type
    kind = column.dtype
    if expected in (DataType.string, DataType.binary):
        inferred = pd.api.types.infer_dtype(column, skipna=True)
        ok = {"string", "empty"} if expected is DataType.string else {"bytes", "empty"}
        if inferred in ok:
            return column
        raise SignatureError(f"column {label}: expected {expected.value}, got {_describe(column, inferred)}")
    if expected is DataType.datetime:
        if str(kind).startswith("datetime64"):
            return column
        if pd.api.types.infer_dtype(column, skipna=True) in ("string", "datetime", "date"):
            try:
                return pd.to_datetime(column)
            except (ValueError, TypeError) as exc:
                raise SignatureError(f"column {label}: expected datetime, values do not parse ({exc})") from None
        raise SignatureError(f"column {label}: expected datetime, got {_describe(column)}")
    target = expected.to_numpy()
    if kind == target:
        return column
    if not isinstance(kind, np.dtype) and getattr(kind, "kind", "O") in "iufb" and not column.hasnans:
        column = column.astype(kind.numpy_dtype)  # pandas nullable (Int64, Float64, boolean) without missing values
        kind = column.dtype
        if kind == target:
            return column
    if kind == object:  # e.g. rows given as lists of Python values: judge by the values
        inferred = pd.api.types.infer_dtype(column, skipna=True)
        if inferred in ("integer", "floating", "mixed-integer-float"):
            column = pd.to_numeric(column)
        elif inferred == "boolean" and not column.hasnans:
            column = column.astype(bool)
        kind = column.dtype
        if kind == target:
            return column
    if isinstance(kind, np.dtype) and kind != object and np.can_cast(kind, target, casting="safe") \
            and not (kind == bool and expected is not DataType.boolean):
        return column.astype(target)
    if not spec.required and kind.kind == "f" and target.kind in "iu" and _integral(column):
        return column  # an optional integer column with missing values arrives as floats with NaN
    if column.hasnans and kind != object:
        raise SignatureError(f"column {label}: expected {expected.value}, got missing values "
                             f"(only optional columns may have them)")
    raise SignatureError(f"column {label}: expected {expected.value}, got {_describe(column)}"
                         + (" (cannot be converted without loss)" if getattr(kind, "kind", "O") in "iuf" else ""))


def _integral(column: Any) -> bool:
    values = column.to_numpy()
    finite = values[~np.isnan(values)]
    return bool(np.all(np.mod(finite, 1) == 0))


def _describe(column: Any, inferred: str | None = None) -> str:
    import pandas as pd

    if column.dtype == object or not isinstance(column.dtype, np.dtype):
        inferred = inferred or pd.api.types.infer_dtype(column, skipna=True)
        return {"string": "string values", "integer": "integer values", "floating": "float values",
                "boolean": "boolean values", "bytes": "bytes values"}.get(inferred, f"{inferred} values")
    return f"{column.dtype} values"


def _enforce_tensors(data: Any, schema: Schema) -> Any:
    import pandas as pd

    specs: list[TensorSpec] = schema.inputs  # type: ignore[assignment]
    if len(specs) == 1 and not isinstance(data, dict):
        values = data.to_numpy() if isinstance(data, (pd.DataFrame, pd.Series)) else np.asarray(data)
        return _enforce_tensor(values, specs[0], repr(specs[0].name) if specs[0].name else "input")
    if not isinstance(data, dict):
        raise SignatureError(f"expected a dict of {len(specs)} named tensors, got {type(data).__name__}")
    out = {}
    for spec in specs:
        if spec.name not in data:
            raise SignatureError(f"missing required tensor {spec.name!r} (expected {spec.dtype} {list(spec.shape)})")
        out[spec.name] = _enforce_tensor(np.asarray(data[spec.name]), spec, repr(spec.name))
    return out


def _enforce_tensor(values: np.ndarray, spec: TensorSpec, label: str) -> np.ndarray:
    if values.dtype != spec.dtype:
        if values.dtype == object or not np.can_cast(values.dtype, spec.dtype, casting="safe"):
            raise SignatureError(f"tensor {label}: expected dtype {spec.dtype}, got {values.dtype}")
        values = values.astype(spec.dtype)
    if len(values.shape) != len(spec.shape) or any(
            want != -1 and want != got for want, got in zip(spec.shape, values.shape)):
        raise SignatureError(f"tensor {label}: expected shape {list(spec.shape)}, got {list(values.shape)}")
    return values


def enforce_params(params: dict[str, Any] | None, schema: ParamSchema | None) -> dict[str, Any] | None:
    """Every param of the schema (given or default), each converted to its type; unknown ones warned and dropped.

    A model whose signature declares no params gets them as given (MLflow drops them instead; a
    flavor such as sklearn's reads `predict_method` from them).
    """
    if schema is None:
        return dict(params) if params else None  # no declared params: the flavor decides what they mean
    given = dict(params or {})
    known = {spec.name for spec in schema.params}
    unknown = sorted(set(given) - known)
    if unknown:
        warnings.warn(f"params not in the model's signature are ignored: {unknown}", stacklevel=3)
    return {spec.name: _param(given[spec.name], spec) if spec.name in given else spec.default
            for spec in schema.params}


def _param(value: Any, spec: ParamSpec) -> Any:
    if spec.shape is not None:
        if not isinstance(value, (list, tuple, np.ndarray)):
            raise SignatureError(f"param {spec.name!r}: expected a list of {spec.dtype.value}, got {value!r}")
        return [_scalar_param(v, spec) for v in value]
    return _scalar_param(value, spec)


def _scalar_param(value: Any, spec: ParamSpec) -> Any:
    kind = spec.dtype
    try:
        if kind is DataType.boolean:
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
        elif kind in (DataType.integer, DataType.long):
            if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                return int(value)
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str):
                return int(value)
        elif kind in (DataType.float, DataType.double):
            if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
                return float(value)
            if isinstance(value, str):
                return float(value)
        elif kind is DataType.string:
            if isinstance(value, str):
                return value
        elif kind is DataType.binary:
            if isinstance(value, bytes):
                return value
        elif kind is DataType.datetime:
            if isinstance(value, dt.datetime):
                return value
            if isinstance(value, str):
                return dt.datetime.fromisoformat(value)
    except ValueError:
        pass
    raise SignatureError(f"param {spec.name!r}: expected {kind.value}, got {value!r}")

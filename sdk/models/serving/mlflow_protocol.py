"""MLflow's scoring protocol: read a POST /invocations body into model input, write predictions.

Callers of `mlflow models serve` send JSON with exactly one of `dataframe_split`,
`dataframe_records`, `instances` or `inputs` (optionally `params`), or a CSV table; they get
`{"predictions": ...}` back. The messages follow MLflow's so that callers see familiar text.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np

from mlledger.models.serving.errors import bad_request, unsupported_media

CONTENT_TYPE_JSON = "application/json"
CONTENT_TYPE_CSV = "text/csv"
INPUT_FIELDS = ("dataframe_split", "dataframe_records", "instances", "inputs")
REQUIRED_INPUT_FORMAT = (
    "The input must be a JSON dictionary with exactly one of the input fields "
    "{'dataframe_split', 'dataframe_records', 'instances', 'inputs'}"
)


def parse_request(body: bytes, content_type: str | None, input_schema: Any) -> tuple[Any, dict[str, Any] | None]:
    """The model input and params of one request; raises ScoringError (400/415) on a bad one."""
    mime, charset = _content_type(content_type)
    if mime == CONTENT_TYPE_CSV:
        return _parse_csv(body), None
    if mime == CONTENT_TYPE_JSON:
        return _parse_json(body, input_schema)
    raise unsupported_media(
        "This predictor only supports the following content types: "
        f"['{CONTENT_TYPE_JSON}', '{CONTENT_TYPE_CSV}']. Got '{content_type or ''}'."
    )


def encode_predictions(predictions: Any) -> bytes:
    """`{"predictions": ...}` as UTF-8 JSON; DataFrames become records, as MLflow writes them."""
    return json.dumps({"predictions": jsonable(predictions)}, default=_json_default).encode()


def jsonable(value: Any) -> Any:
    """Predictions as plain JSON values (ndarray -> lists, DataFrame/Series -> records)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return json.loads(value.to_json(orient="records"))
    if isinstance(value, pd.Series):
        return json.loads(value.to_frame().to_json(orient="records"))
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _content_type(content_type: str | None) -> tuple[str, str]:
    parts = [part.strip() for part in (content_type or "").split(";")]
    parameters = dict(part.partition("=")[::2] for part in parts[1:] if part)
    charset = parameters.pop("charset", "utf-8").strip('"').lower()
    if charset != "utf-8":
        raise unsupported_media(f"The scoring server only supports UTF-8; the request's charset is '{charset}'.")
    if parameters:
        raise unsupported_media(f"Unrecognized content type parameters: {', '.join(sorted(parameters))}.")
    return parts[0].lower(), charset


def _parse_csv(body: bytes) -> Any:
    import pandas as pd

    try:
        return pd.read_csv(io.StringIO(body.decode("utf-8")))
    except Exception as error:  # noqa: BLE001 - pandas raises several unrelated types for a malformed table
        raise bad_request(
            "Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted "
            f"Pandas DataFrame produced using the `pandas.DataFrame.to_csv()` method. Error: '{error}'"
        ) from None


def _parse_json(body: bytes, input_schema: Any) -> tuple[Any, dict[str, Any] | None]:
    try:
        decoded = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise bad_request(f"Ensure that input is a valid JSON formatted string. Error: '{error}'") from None
    if not isinstance(decoded, dict):
        raise bad_request(f"{REQUIRED_INPUT_FORMAT}. Received a {type(decoded).__name__}.")
    fields = [key for key in INPUT_FIELDS if key in decoded]
    if len(fields) != 1:
        raise bad_request(f"{REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: {list(decoded)}.")
    params = decoded.get("params")
    if params is not None and not isinstance(params, dict):
        raise bad_request(f"'params' must be a JSON object of param names to values, got {type(params).__name__}.")
    field = fields[0]
    value = decoded[field]
    if field == "dataframe_split":
        return _dataframe_split(value, input_schema), params
    if field == "dataframe_records":
        return _dataframe_records(value), params
    return _tensor_input(field, value, input_schema), params


def _dataframe_split(value: Any, input_schema: Any) -> Any:
    import pandas as pd

    if not isinstance(value, dict) or "data" not in value:
        raise bad_request("'dataframe_split' must be an object with 'data' and optionally 'columns' and 'index'.")
    data, columns, index = value["data"], value.get("columns"), value.get("index")
    if not isinstance(data, list) or (columns is not None and not isinstance(columns, list)):
        raise bad_request("'dataframe_split.data' must be a list of rows and 'dataframe_split.columns' a list of names.")
    try:
        table = _numeric_table(data, input_schema)
        if table is not None and columns is not None and table.shape[1] == len(columns):
            return pd.DataFrame(table, columns=columns, index=index, copy=False)
        return pd.DataFrame(data, columns=columns, index=index)
    except (ValueError, TypeError) as error:
        raise bad_request(f"Failed to read 'dataframe_split' as a table: {error}") from None


def _numeric_table(data: list[Any], input_schema: Any) -> np.ndarray | None:
    """Rows as one 2-D array when that types every column as pandas would (about twice as fast).

    Only an all-float table for a signature without integer columns, or an all-integer table,
    qualifies: a float array would otherwise turn an integer column into floats.
    """
    try:
        table = np.asarray(data)
    except ValueError:
        return None
    if table.ndim != 2 or table.dtype.kind not in "fiu":
        return None
    if table.dtype.kind == "f" and input_schema is not None and not input_schema.is_tensor_spec():
        if any(getattr(spec, "type_name", "double") in ("integer", "long") for spec in input_schema.inputs):
            return None
    return table


def _dataframe_records(value: Any) -> Any:
    import pandas as pd

    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise bad_request("'dataframe_records' must be a list of objects, one per row.")
    return pd.DataFrame.from_records(value)


def _tensor_input(field: str, value: Any, input_schema: Any) -> Any:
    """TF-serving style input: a list of rows, a list of records, or an object of named tensors."""
    columns = _column_names(input_schema)
    if field == "instances" and isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
        value = {key: [row.get(key) for row in value] for key in value[0]}
    if not isinstance(value, (list, dict)):
        raise bad_request(f"'{field}' must be a list or an object of named lists, got {type(value).__name__}.")
    try:
        if isinstance(value, dict):
            arrays = {key: np.asarray(item) for key, item in value.items()}
            return _as_frame(arrays) if columns is not None else arrays
        array = np.asarray(value)
    except ValueError as error:
        raise bad_request(f"Failed to read '{field}' as a tensor: {error}") from None
    if columns is not None and array.ndim == 2 and array.shape[1] == len(columns):
        import pandas as pd

        return pd.DataFrame(array, columns=columns)
    return array


def _as_frame(arrays: dict[str, np.ndarray]) -> Any:
    import pandas as pd

    if any(array.ndim != 1 for array in arrays.values()) or len({len(a) for a in arrays.values()}) > 1:
        return arrays
    return pd.DataFrame(arrays)


def _column_names(input_schema: Any) -> list[str] | None:
    """The column names of a column-based signature with names, else None."""
    if input_schema is None or input_schema.is_tensor_spec() or not input_schema.has_input_names():
        return None
    return [spec.name for spec in input_schema.inputs]

"""The input example beside `MLmodel` (`input_example.json`) and its request body for a scoring
server (`serving_input_example.json`), in MLflow's layouts."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from mlledger.models.model import Model

EXAMPLE_FILE = "input_example.json"
SERVING_EXAMPLE_FILE = "serving_input_example.json"


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode("ascii")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _as_frame(example: Any) -> Any:
    import pandas as pd

    if isinstance(example, pd.DataFrame):
        return example
    if isinstance(example, pd.Series):
        return example.to_frame()
    if isinstance(example, dict):
        if all(np.ndim(v) == 0 for v in example.values()):
            return pd.DataFrame([example])
        return pd.DataFrame(example)
    if isinstance(example, list):
        return pd.DataFrame.from_records(example) if example and isinstance(example[0], dict) else pd.DataFrame(example)
    return None


def save_input_example(directory: str | os.PathLike[str], example: Any, model: Model) -> None:
    """Write the example and its serving request next to `MLmodel`, and describe them on `model`."""
    root = Path(directory)
    if isinstance(example, np.ndarray):
        body = {"inputs": example.tolist()}
        info = {"artifact_path": EXAMPLE_FILE, "type": "ndarray", "format": "tf-serving"}
        serving = body
    else:
        frame = _as_frame(example)
        if frame is None:
            raise TypeError(f"unsupported input example type {type(example).__name__}")
        split = json.loads(frame.to_json(orient="split", index=False, date_format="iso"))
        body = {"columns": split["columns"], "data": split["data"]}
        info = {"artifact_path": EXAMPLE_FILE, "type": "dataframe", "pandas_orient": "split"}
        serving = {"dataframe_split": body}
    (root / EXAMPLE_FILE).write_text(json.dumps(body, default=_jsonable), encoding="utf-8")
    (root / SERVING_EXAMPLE_FILE).write_text(json.dumps(serving, default=_jsonable, indent=2), encoding="utf-8")
    info["serving_input_path"] = SERVING_EXAMPLE_FILE
    model.saved_input_example_info = info


def _model_and_dir(model_or_dir: Model | str | os.PathLike[str]) -> tuple[Model, Path]:
    if isinstance(model_or_dir, Model):
        directory = model_or_dir.directory
        if directory is None:
            raise ValueError("this Model was not loaded from a directory: pass the model directory instead")
        return model_or_dir, Path(directory)
    return Model.load(model_or_dir), Path(model_or_dir)


def load_input_example(model_or_dir: Model | str | os.PathLike[str]) -> Any:
    """The saved input example (a DataFrame or an array), or None when the model has none."""
    import pandas as pd

    model, directory = _model_and_dir(model_or_dir)
    info = model.saved_input_example_info
    if not info:
        return None
    body = json.loads((directory / info["artifact_path"]).read_text(encoding="utf-8"))
    if info.get("type") == "ndarray":
        return np.asarray(body["inputs"] if isinstance(body, dict) and "inputs" in body else body)
    if info.get("type") == "dataframe":
        return pd.DataFrame(body["data"], columns=body.get("columns"))
    return body


def load_serving_input_example(model_or_dir: Model | str | os.PathLike[str]) -> dict[str, Any] | None:
    """The parsed `serving_input_example.json` (a request body for /invocations), or None."""
    model, directory = _model_and_dir(model_or_dir)
    info = model.saved_input_example_info or {}
    name = info.get("serving_input_path")
    if not name or not (directory / name).is_file():
        return None
    return json.loads((directory / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]

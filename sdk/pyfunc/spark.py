"""`spark_udf`: score Spark DataFrames with any model, loaded once per executor Python worker.

The model directory is downloaded once on the driver and shipped with `SparkContext.addFile`;
each worker loads it on first use and keeps it for later batches and tasks (Spark reuses its
Python workers). Batches arrive as pandas DataFrames through Arrow (`mapInPandas`-style UDF).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlledger.models.model import Model
from mlledger.models.uri import download_model

#: Models already loaded in this Python worker, by the shipped directory's (unique) name.
_LOADED: dict[str, Any] = {}


def _worker_model(name: str, driver_path: str) -> Any:
    """The model, loaded once per Python worker (from SparkFiles, or the driver's path in local mode)."""
    model = _LOADED.get(name)
    if model is None:
        from pyspark import SparkFiles

        from mlledger.pyfunc.loading import load_model

        shipped = Path(SparkFiles.get(name))
        model = load_model(str(shipped if shipped.exists() else driver_path))
        _LOADED[name] = model
    return model


def _result_type(result_type: Any) -> Any:
    from pyspark.sql.types import DataType as SparkType, _parse_datatype_string

    return result_type if isinstance(result_type, SparkType) else _parse_datatype_string(str(result_type))


def _as_series(predictions: Any, spark_type: Any, rows: int) -> Any:
    """Predictions as one pandas Series of the UDF's result type (lists for array types)."""
    from pyspark.sql.types import ArrayType, StringType

    if isinstance(predictions, pd.DataFrame):
        predictions = predictions.to_numpy() if predictions.shape[1] > 1 or isinstance(spark_type, ArrayType) \
            else predictions.iloc[:, 0]
    values = predictions.to_numpy() if isinstance(predictions, pd.Series) else np.asarray(predictions)
    if isinstance(spark_type, ArrayType):
        return pd.Series(list(values.reshape(rows, -1)))
    if values.ndim > 1:
        values = values.reshape(rows, -1)[:, 0]
    if isinstance(spark_type, StringType):
        return pd.Series(values.astype(str))
    return pd.Series(values)


def _frame(batch: Any, input_names: list[str]) -> Any:
    """The batch's columns named as the signature names them (by position when the names differ)."""
    if input_names and len(batch.columns) == len(input_names) and not set(input_names) <= set(batch.columns):
        return batch.set_axis(input_names, axis=1)
    return batch


def spark_udf(spark: Any, model_uri: str, result_type: Any = "double", env_manager: str | None = None,
              params: dict[str, Any] | None = None) -> Callable[..., Any]:
    """A UDF `udf(*columns)` that scores rows; with no columns it uses the signature's input names.

    `result_type` is a Spark type or its DDL string ("double", "long", "string", "array<double>").
    Only the current Python environment is supported (`env_manager` None or "local").
    """
    from pyspark.sql import functions as F
    from pyspark.sql.functions import pandas_udf

    if env_manager not in (None, "local"):
        raise ValueError(f"env_manager {env_manager!r} is not supported: models run in the current environment")
    local = download_model(str(model_uri))
    meta = Model.load(local)
    schema = meta.get_input_schema()
    input_names = [str(n) for n in schema.input_names()] if schema is not None and schema.has_input_names() else []
    # Spark refuses a second file of the same name with other contents: ship a uniquely named copy.
    name = f"mlledger-model-{uuid.uuid4().hex}"
    shipped = Path(tempfile.mkdtemp(prefix="mlledger-spark-")) / name
    shutil.copytree(local, shipped)
    spark.sparkContext.addFile(str(shipped), recursive=True)
    driver_path, spark_type = str(shipped), _result_type(result_type)

    @pandas_udf(spark_type)  # type: ignore[call-overload,untyped-decorator]  # the return type is built at run time
    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.Series]:
        model = _worker_model(name, driver_path)
        for batch in batches:
            yield _as_series(model.predict(_frame(batch, input_names), params=params), spark_type, len(batch))

    def udf(*columns: Any) -> Any:
        chosen = list(columns) or input_names
        if not chosen:
            raise ValueError("the model's signature names no input columns: pass the columns to score")
        return score(F.struct(*[F.col(c) if isinstance(c, str) else c for c in chosen]))

    return udf

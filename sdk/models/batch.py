"""Batch scoring of files: CSV, JSON lines and Parquet, read and written in chunks by pyarrow so a
file larger than memory is scored in constant memory, with a rich progress bar.

Columns declared by the signature are read with the signature's types (no guessing per block).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa

from mlledger.models.schema import DataType, Schema

FORMATS = ("csv", "jsonl", "parquet")
DEFAULT_CHUNK_ROWS = 100_000
_ARROW_TYPES = {DataType.boolean: pa.bool_(), DataType.integer: pa.int32(), DataType.long: pa.int64(),
                DataType.float: pa.float32(), DataType.double: pa.float64(), DataType.string: pa.string(),
                DataType.binary: pa.binary(), DataType.datetime: pa.timestamp("ns")}


@dataclass(frozen=True)
class BatchResult:
    """What a batch run did: rows scored, chunks, seconds."""

    rows: int
    chunks: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def file_format(path: str | os.PathLike[str], given: str | None = None) -> str:
    """The format named (csv, json/jsonl, parquet) or implied by the file's extension."""
    name = (given or Path(path).suffix.lstrip(".")).lower()
    name = {"json": "jsonl", "ndjson": "jsonl", "pq": "parquet", "txt": "csv"}.get(name, name)
    if name not in FORMATS:
        raise ValueError(f"unknown file format {name!r} for {str(path)!r}: expected one of {list(FORMATS)}")
    return name


def _column_types(schema: Schema | None) -> dict[str, pa.DataType]:
    if schema is None or not schema.has_input_names() or schema.is_tensor_spec():
        return {}
    return {str(spec.name): _ARROW_TYPES[spec.type] for spec in schema.column_specs() if isinstance(spec.type, DataType)}


def read_batches(handle: BinaryIO, fmt: str, types: dict[str, pa.DataType]) -> Iterator[pa.RecordBatch]:
    """Record batches of the file as pyarrow streams them."""
    if fmt == "csv":
        from pyarrow import csv

        reader = csv.open_csv(handle, read_options=csv.ReadOptions(block_size=8 << 20),
                              convert_options=csv.ConvertOptions(column_types=types))
    elif fmt == "jsonl":
        from pyarrow import json

        schema = pa.schema(list(types.items())) if types else None
        reader = json.open_json(handle, read_options=json.ReadOptions(block_size=8 << 20),
                                parse_options=json.ParseOptions(explicit_schema=schema,
                                                                unexpected_field_behavior="infer"))
    else:
        import pyarrow.parquet as pq

        yield from pq.ParquetFile(handle).iter_batches(batch_size=DEFAULT_CHUNK_ROWS)
        return
    yield from reader


def rebatch(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.Table]:
    """Tables of exactly `rows` rows (the last may be shorter), whatever sizes the reader produced."""
    pending: list[pa.RecordBatch] = []
    held = 0
    for batch in batches:
        while batch.num_rows:
            take = min(rows - held, batch.num_rows)
            pending.append(batch.slice(0, take))
            held += take
            batch = batch.slice(take)
            if held == rows:
                yield pa.Table.from_batches(pending)
                pending, held = [], 0
    if held:
        yield pa.Table.from_batches(pending)


def predictions_table(predictions: Any, keep: pa.Table | None) -> pa.Table:
    """Predictions as columns: `prediction` for 1-D output, `prediction_<i>` per column of 2-D output."""
    import pandas as pd

    if isinstance(predictions, pd.DataFrame):
        table = pa.Table.from_pandas(predictions, preserve_index=False)
    else:
        if isinstance(predictions, pd.Series):
            predictions = predictions.to_numpy()
        values = np.asarray(predictions)
        if values.ndim == 2:
            table = pa.table({f"prediction_{i}": values[:, i] for i in range(values.shape[1])})
        else:
            table = pa.table({"prediction": values.reshape(-1) if values.ndim else [values.item()]})
    if keep is not None:
        for name in reversed(keep.column_names):
            if name not in table.column_names:
                table = table.add_column(0, name, keep.column(name))
    return table


def _json_values(column: pa.ChunkedArray) -> pa.Array:
    """Each value of a column as JSON text (null for missing values and NaN), vectorized where pyarrow can."""
    import json

    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_floating(kind):
        text = pc.cast(column, pa.string())
        missing = pc.is_null(column, nan_is_null=True) if pa.types.is_floating(kind) else pc.is_null(column)
        return pc.if_else(missing, "null", text)
    return pa.array([json.dumps(value, default=str) for value in column.to_pylist()], pa.string())


def json_lines(table: pa.Table) -> bytes:
    """The table as JSON lines (one object per row), built column-wise by pyarrow for speed."""
    import json

    import pyarrow.compute as pc

    if table.num_rows == 0:
        return b""
    parts: list[Any] = []
    for index, name in enumerate(table.column_names):
        parts.append(("{" if index == 0 else ",") + json.dumps(str(name)) + ":")
        parts.append(_json_values(table.column(name)))
    parts.append("}\n")
    lines = pc.binary_join_element_wise(*parts, "")
    out = []
    for chunk in lines.chunks:
        whole = pc.binary_join(pa.ListArray.from_arrays([0, len(chunk)], chunk), "")
        out.append(whole[0].as_buffer().to_pybytes())
    return b"".join(out)


class _Writer:
    """Appends tables to a CSV, JSON lines or Parquet file, opened with the first table's schema."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self._writer: Any = None
        self._handle: BinaryIO | None = None

    def write(self, table: pa.Table) -> None:
        if self.fmt == "jsonl":
            if self._handle is None:
                self._handle = open(self.path, "wb")
            self._handle.write(json_lines(table))
            return
        if self._writer is None:
            if self.fmt == "csv":
                from pyarrow import csv

                self._writer = csv.CSVWriter(str(self.path), table.schema)
            else:
                import pyarrow.parquet as pq

                self._writer = pq.ParquetWriter(str(self.path), table.schema)
        self._writer.write_table(table.cast(self._writer.schema) if self.fmt == "parquet" else table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._handle is not None:
            self._handle.close()


def predict_file(model: Any, input_path: str | os.PathLike[str], output_path: str | os.PathLike[str], *,
                 input_format: str | None = None, output_format: str | None = None,
                 chunk_rows: int = DEFAULT_CHUNK_ROWS, params: dict[str, Any] | None = None,
                 keep_columns: list[str] | None = None, include_input: bool = False,
                 progress: bool = True) -> BatchResult:
    """Score every row of `input_path` with `model` (a PyFuncModel or a model URI) into `output_path`.

    The output is written to a temporary file beside it and renamed at the end, so a failed run
    leaves no half-written output.
    """
    from mlledger.pyfunc import PyFuncModel, load_model

    pyfunc = model if isinstance(model, PyFuncModel) else load_model(str(model))
    source, target = Path(input_path), Path(output_path)
    fmt_in, fmt_out = file_format(source, input_format), file_format(target, output_format)
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be positive, got {chunk_rows}")
    types = _column_types(pyfunc.metadata.get_input_schema())
    partial = target.with_name(f".{target.name}.partial")
    writer = _Writer(partial, fmt_out)
    started, rows, chunks = time.perf_counter(), 0, 0
    try:
        with open(source, "rb") as handle, _progress(progress, source) as advance:
            for table in rebatch(read_batches(handle, fmt_in, types), chunk_rows):
                frame = table.to_pandas()
                kept = table if include_input else (table.select(keep_columns) if keep_columns else None)
                writer.write(predictions_table(pyfunc.predict(frame, params=params), kept))
                rows += table.num_rows
                chunks += 1
                advance(handle.tell(), rows)
        writer.close()
        os.replace(partial, target)
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    return BatchResult(rows, chunks, time.perf_counter() - started)


class _progress:
    """A rich progress bar over the input's bytes (a no-op when disabled)."""

    def __init__(self, enabled: bool, source: Path) -> None:
        self.enabled, self.total = enabled, source.stat().st_size
        self._bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return lambda position, rows: None
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn("scoring"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[rows]:,} rows"),
                             TimeRemainingColumn(), transient=False)
        self._bar.start()
        task = self._bar.add_task("score", total=self.total, rows=0)
        return lambda position, rows: self._bar.update(task, completed=min(position, self.total), rows=rows)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

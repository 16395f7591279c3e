"""Conversions between plain Python values and the tracking service's protobuf messages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import timestamp_pb2

from mlledger import errors
from mlledger.timestamps import optional_timestamp
from mlledger._batcher import Columns
from mlledger._entities import RUN_STATUS_NUMBERS, Metric, RunTag
from mlledger.v1 import tracking_pb2 as pb


def timestamp(millis: int | None) -> timestamp_pb2.Timestamp | None:
    """Milliseconds since the epoch as a protobuf Timestamp (None stays unset)."""
    return optional_timestamp(millis)


def tags(given: Mapping[str, Any] | Iterable[RunTag] | None) -> list[pb.Tag]:
    """A dict or RunTags as protobuf tags, values as strings."""
    if given is None:
        return []
    if isinstance(given, Mapping):
        return [pb.Tag(key=str(key), value=str(value)) for key, value in given.items()]
    return [pb.Tag(key=tag.key, value=str(tag.value)) for tag in given]


def status_number(status: str) -> int:
    """A run status name as its wire number; InvalidArgument("status") for an unknown name."""
    number = RUN_STATUS_NUMBERS.get(str(status).upper())
    if number is None:
        raise errors.InvalidArgument("status", f"unknown run status {status!r}; expected one of "
                                               f"{', '.join(RUN_STATUS_NUMBERS)}")
    return number


def metrics_to_series(metrics: Iterable[Metric]) -> list[pb.MetricSeries]:
    """Metric points grouped into one columnar series per key, in the order given."""
    columns: dict[str, Columns] = {}
    for metric in metrics:
        values, timestamps, steps = columns.setdefault(metric.key, ([], [], []))
        values.append(float(metric.value))
        timestamps.append(int(metric.timestamp))
        steps.append(int(metric.step or 0))
    return columns_to_series(columns)


def _as_list(column: Any) -> Any:
    # numpy arrays and array.array convert to lists far faster than protobuf iterates over them
    return column.tolist() if hasattr(column, "tolist") else column


def columns_to_series(columns: Mapping[str, Columns]) -> list[pb.MetricSeries]:
    """Per-key columns (lists, numpy arrays or array.array) as protobuf series."""
    series_list = []
    for key, (values, timestamps, steps) in columns.items():
        series = pb.MetricSeries(key=key)
        series.values.extend(_as_list(values))
        series.timestamps_ms.extend(_as_list(timestamps))
        series.steps.extend(_as_list(steps))
        series_list.append(series)
    return series_list


def series_to_metrics(series: pb.MetricSeries, key: str | None = None) -> list[Metric]:
    """A columnar series as Metric points (of `key` when the series does not name it)."""
    key = series.key or key or ""
    steps = series.steps if len(series.steps) == len(series.values) else [0] * len(series.values)
    # plain lists first: iterating protobuf repeated fields per element is slow
    return Metric.many(key, list(series.values), list(series.timestamps_ms), list(steps))

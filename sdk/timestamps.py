"""The one home of the time helpers both sides of the wire use.

The wire carries protobuf Timestamps; MLflow's API and the SDK speak integer milliseconds since
the Unix epoch; the services keep timezone-aware datetimes. Conversions are exact (no float
rounding).
"""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def millis(stamp: Timestamp) -> int:
    """A protobuf Timestamp as milliseconds since the epoch."""
    return int(stamp.seconds * 1000 + stamp.nanos // 1_000_000)


def timestamp(value: int) -> Timestamp:
    """Milliseconds since the epoch as a protobuf Timestamp."""
    stamp = Timestamp()
    stamp.FromMilliseconds(int(value))
    return stamp


def optional_timestamp(value: int | None) -> Timestamp | None:
    """Milliseconds since the epoch as a protobuf Timestamp; None stays None (the field unset)."""
    return None if value is None else timestamp(value)


def datetime_millis(time: dt.datetime) -> int:
    """A timezone-aware datetime as milliseconds since the epoch."""
    return (time - EPOCH) // dt.timedelta(milliseconds=1)


def now_millis() -> int:
    """The current time in milliseconds since the epoch."""
    return datetime_millis(dt.datetime.now(dt.timezone.utc))


def from_datetime(time: dt.datetime) -> Timestamp:
    """A datetime as a protobuf Timestamp."""
    stamp = Timestamp()
    stamp.FromDatetime(time)
    return stamp


__all__ = ["EPOCH", "datetime_millis", "from_datetime", "millis", "now_millis", "optional_timestamp", "timestamp"]

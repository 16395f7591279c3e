"""The request limits every service enforces at its edge, shared with the SDK so it can refuse early.

`docs/limits.md` is the table of these values. What is here bounds every field of every request,
so no request can reach the database or the file system with a value it cannot store or a size
that would stall the service for other callers; the lengths of keys, values and names below are
the one home of the limits the services check per entity (their other rules, such as a model
name's forbidden characters, stay with each service).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from mlledger import errors

_STRING = FieldDescriptor.TYPE_STRING
_MESSAGE = FieldDescriptor.TYPE_MESSAGE
_TIMESTAMP = "google.protobuf.Timestamp"

#: Longest string accepted in any request field not listed in STRING_LIMITS (characters).
MAX_STRING_CHARS = 1_048_576
#: Longest strings of particular fields (by field name), in characters.
STRING_LIMITS: dict[str, int] = {
    "filter": 20_000,
    "order_by": 500,
    "page_token": 1024,
    "alias": 255,
    "uri": 8192,
    "artifact_uri": 8192,
    "source_uri": 8192,
    "destination_uri": 8192,
    "artifact_location": 8192,
    "run_id": 256,
    "run_ids": 256,
    "experiment_id": 256,
    "experiment_ids": 256,
    "parent_run_id": 256,
    "stream": 1024,
}
#: Most entries of particular repeated fields (by field name).
LIST_LIMITS: dict[str, int] = {"order_by": 16}
#: Most entries of any other repeated field (a metric batch holds at most this many points).
MAX_LIST_ENTRIES = 1_000_000
#: Deepest nesting of parentheses and NOT in a search filter.
MAX_FILTER_DEPTH = 64
#: Largest offset a page token may carry (beyond any real result set, well inside a bigint).
MAX_PAGE_OFFSET = 2**53
#: The range of google.protobuf.Timestamp (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z).
MIN_TIMESTAMP_SECONDS = -62_135_596_800
MAX_TIMESTAMP_SECONDS = 253_402_300_799
#: int64 fields holding epoch milliseconds (by field name): the same range as a Timestamp.
MILLISECOND_FIELDS = frozenset({"timestamp_ms", "timestamps_ms"})
MIN_TIMESTAMP_MS = MIN_TIMESTAMP_SECONDS * 1000
MAX_TIMESTAMP_MS = MAX_TIMESTAMP_SECONDS * 1000 + 999
#: Keys of params, tags and metrics, runs' and models' alike (characters).
MAX_KEY_CHARS = 250
#: A param's value (characters), as MLflow allows.
MAX_PARAM_VALUE_CHARS = 6000
#: A run's or an experiment's tag value (characters), as MLflow allows.
MAX_RUN_TAG_VALUE_CHARS = 8000
#: A registered model's or a model version's tag value (characters). Lower than a run's tag value
#: for historical reasons; raising it to MAX_RUN_TAG_VALUE_CHARS is a change of accepted input.
MAX_MODEL_TAG_VALUE_CHARS = 5000
#: Names of experiments and runs (characters).
MAX_TRACKING_NAME_CHARS = 500
#: Names of registered models (characters).
MAX_MODEL_NAME_CHARS = 256
#: How much of an offending value an error message quotes (characters).
QUOTE_CHARS = 64


def check_message(message: Message) -> None:
    """Refuse any field of `message` (recursively) outside the limits, with InvalidArgument naming it.

    Strings: NUL-free and within their limit; lists within their limit; Timestamps and epoch
    millisecond fields within the Timestamp range. Floating-point fields are not checked:
    metric values may be NaN or ±inf, as in MLflow.
    """
    _check_message(message, "")


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """`repr(value)` cut to about `limit` characters, so an error never echoes a huge input."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(str(value))} characters)"


def check_string(field: str, value: str, name: str | None = None) -> None:
    """Refuse a NUL character or a string over its limit (looked up by `name`, default the last part of `field`)."""
    limit = STRING_LIMITS.get(name or field.rsplit(".", 1)[-1].split("[", 1)[0], MAX_STRING_CHARS)
    if len(value) > limit:
        raise errors.InvalidArgument(field, f"at most {limit} characters, got {len(value)}")
    if "\x00" in value:
        raise errors.InvalidArgument(field, "must not contain NUL characters")


def check_list(field: str, values: Sequence[object], name: str | None = None) -> None:
    """Refuse a list over its limit (looked up by `name`, default `field`)."""
    limit = LIST_LIMITS.get(name or field, MAX_LIST_ENTRIES)
    if len(values) > limit:
        raise errors.InvalidArgument(field, f"at most {limit} entries, got {len(values)}")


def check_filter(text: str | None) -> None:
    """Refuse a filter the services would refuse for its length or NUL characters."""
    if text:
        check_string("filter", text)


def check_like_pattern(field: str, pattern: str) -> None:
    """Refuse a LIKE pattern that ends in an unpaired escape character ("\\"), which matches nothing."""
    if (len(pattern) - len(pattern.rstrip("\\"))) % 2:
        raise errors.InvalidArgument(field, "a LIKE pattern must not end with a single '\\' (write '\\\\' for a "
                                            "literal backslash)")


def _check_message(message: Message, prefix: str) -> None:
    if message.DESCRIPTOR.full_name == _TIMESTAMP:
        _check_timestamp(message, prefix.rstrip(".") or "timestamp")
        return
    for field, value in message.ListFields():
        path = prefix + field.name
        if field.is_repeated:
            _check_repeated(field, value, path)
        elif field.type == _STRING:
            check_string(path, value, field.name)
        elif field.type == _MESSAGE:
            _check_message(value, path + ".")
        elif field.name in MILLISECOND_FIELDS:
            _check_millis(path, value)


def _check_repeated(field: FieldDescriptor, values: Any, path: str) -> None:
    if field.type == _MESSAGE and field.message_type.GetOptions().map_entry:
        for key, value in values.items():
            if isinstance(key, str):
                check_string(f"{path}[{quote(key)}]", key, field.name)
            if isinstance(value, Message):
                _check_message(value, f"{path}[{quote(key)}].")
            elif isinstance(value, str):
                check_string(f"{path}[{quote(key)}]", value, field.name)
        return
    check_list(path, values, field.name)
    if field.type == _STRING:
        for index, value in enumerate(values):
            check_string(f"{path}[{index}]", value, field.name)
    elif field.type == _MESSAGE:
        for index, value in enumerate(values):
            _check_message(value, f"{path}[{index}].")
    elif field.name in MILLISECOND_FIELDS and values:
        # numpy reads the packed values through the buffer protocol: ~1000x faster than min()/max().
        column = np.array(values, dtype=np.int64)
        for value in (int(column.min()), int(column.max())):
            _check_millis(path, value)


def _check_millis(path: str, value: int) -> None:
    if not MIN_TIMESTAMP_MS <= value <= MAX_TIMESTAMP_MS:
        raise errors.InvalidArgument(path, f"epoch milliseconds must lie in years 1..9999, got {value}")


def _check_timestamp(stamp: Message, path: str) -> None:
    seconds, nanos = stamp.seconds, stamp.nanos
    if not MIN_TIMESTAMP_SECONDS <= seconds <= MAX_TIMESTAMP_SECONDS:
        raise errors.InvalidArgument(path, f"seconds must lie in years 1..9999, got {seconds}")
    if not 0 <= nanos < 1_000_000_000:
        raise errors.InvalidArgument(path, f"nanos must lie in 0..999999999, got {nanos}")


__all__ = [
    "LIST_LIMITS", "MAX_FILTER_DEPTH", "MAX_LIST_ENTRIES", "MAX_PAGE_OFFSET", "MAX_STRING_CHARS", "MAX_TIMESTAMP_MS",
    "MAX_TIMESTAMP_SECONDS", "MILLISECOND_FIELDS", "MIN_TIMESTAMP_MS", "MIN_TIMESTAMP_SECONDS", "QUOTE_CHARS",
    "STRING_LIMITS", "check_filter", "check_like_pattern", "check_list", "check_message", "check_string", "quote",
]

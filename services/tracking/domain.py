"""Tracking rules without I/O: limits, validation of requests, names, URIs, times and page tokens."""

from __future__ import annotations

from collections.abc import Sequence


from mlledger import errors, limits, timestamps
from mlledger.v1 import tracking_pb2 as pb

MAX_KEY = limits.MAX_KEY_CHARS
MAX_PARAM_VALUE = limits.MAX_PARAM_VALUE_CHARS
MAX_TAG_VALUE = limits.MAX_RUN_TAG_VALUE_CHARS
MAX_NAME = limits.MAX_TRACKING_NAME_CHARS
MAX_BATCH_POINTS = 1_000_000
MAX_BATCH_PARAMS = 1000
MAX_BATCH_TAGS = 1000
MAX_INPUTS = 1000
MAX_PAGE = 50_000
DEFAULT_PAGE = 1000
MAX_HISTORY_PAGE = 1_000_000
MAX_BULK_RUNS = 100
DEFAULT_BULK_POINTS = 2500
MAX_BULK_POINTS = 100_000
MAX_SEARCH_EXPERIMENTS = 100
PARENT_RUN_TAG = "mlledger.parentRunId"
TERMINAL = {pb.FINISHED, pb.FAILED, pb.KILLED}
DATASET_LIMITS = {"name": 500, "digest": 36, "source_type": 250, "source": 65535, "schema": 262144, "profile": 16384}
#: Total size of the tags given when creating a run or experiment (they travel in one event).
MAX_CREATE_TAG_BYTES = 256 * 1024
# Time helpers live in mlledger.timestamps; these are the names the tracking code uses.
millis = timestamps.datetime_millis
now_ms = timestamps.now_millis
timestamp = timestamps.optional_timestamp


def check_id(field: str, value: str) -> str:
    if not value:
        raise errors.InvalidArgument(field, "is required")
    if len(value) > 256:
        raise errors.InvalidArgument(field, f"is at most 256 characters, got {len(value)}")
    return value


def check_key(field: str, key: str) -> None:
    """Keys of params, metrics and tags: non-empty, at most 250 characters."""
    if not key:
        raise errors.InvalidArgument(field, "key is required")
    if len(key) > MAX_KEY:
        raise errors.InvalidArgument(field, f"key is at most {MAX_KEY} characters, got {len(key)}")


def check_value(field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise errors.InvalidArgument(field, f"value is at most {limit} characters, got {len(value)}")


def check_name(field: str, name: str, *, required: bool) -> None:
    if required and not name.strip():
        raise errors.InvalidArgument(field, "name is required")
    if len(name) > MAX_NAME:
        raise errors.InvalidArgument(field, f"name is at most {MAX_NAME} characters, got {len(name)}")


def check_tags(field: str, tags: Sequence[pb.Tag], limit: int = MAX_BATCH_TAGS) -> list[pb.Tag]:
    """Validated tags; a key given twice keeps its last value."""
    if len(tags) > limit:
        raise errors.InvalidArgument(field, f"at most {limit} tags per request, got {len(tags)}")
    for index, tag in enumerate(tags):
        check_key(f"{field}[{index}].key", tag.key)
        check_value(f"{field}[{index}].value", tag.value, MAX_TAG_VALUE)
    last = {tag.key: tag.value for tag in tags}
    return [pb.Tag(key=key, value=value) for key, value in last.items()]


def check_create_tags(field: str, tags: Sequence[pb.Tag]) -> list[pb.Tag]:
    """Tags given at creation: valid one by one, and small enough together to travel in one event."""
    checked = check_tags(field, tags)
    total = sum(tag.ByteSize() for tag in checked)
    if total > MAX_CREATE_TAG_BYTES:
        raise errors.InvalidArgument(
            field, f"tags given at creation total at most {MAX_CREATE_TAG_BYTES} bytes, got {total}; set more later")
    return checked


def check_params(field: str, params: Sequence[pb.Param]) -> list[pb.Param]:
    """Validated params; the same key twice must carry the same value."""
    if len(params) > MAX_BATCH_PARAMS:
        raise errors.InvalidArgument(field, f"at most {MAX_BATCH_PARAMS} params per request, got {len(params)}")
    seen: dict[str, str] = {}
    for index, param in enumerate(params):
        check_key(f"{field}[{index}].key", param.key)
        check_value(f"{field}[{index}].value", param.value, MAX_PARAM_VALUE)
        if seen.get(param.key, param.value) != param.value:
            raise errors.InvalidArgument(
                f"{field}[{index}].value",
                f"param {param.key!r} given twice with different values {seen[param.key]!r} and {param.value!r}")
        seen[param.key] = param.value
    return [pb.Param(key=key, value=value) for key, value in seen.items()]


def new_params(field: str, params: Sequence[pb.Param], logged: dict[str, str]) -> list[pb.Param]:
    """The params not yet logged; a different value for a logged key breaks immutability."""
    fresh = []
    for index, param in enumerate(params):
        old = logged.get(param.key)
        if old is None:
            fresh.append(param)
        elif old != param.value:
            raise errors.InvalidArgument(
                f"{field}[{index}].value" if field else "value",
                f"param {param.key!r} is immutable: already logged as {old!r}, cannot change it to {param.value!r}")
    return fresh


def check_series(field: str, series: Sequence[pb.MetricSeries]) -> int:
    """Validate columnar metric series; returns the number of points."""
    total = 0
    for index, item in enumerate(series):
        check_key(f"{field}[{index}].key", item.key)
        count = len(item.values)
        if len(item.timestamps_ms) != count:
            raise errors.InvalidArgument(
                f"{field}[{index}].timestamps_ms",
                f"has {len(item.timestamps_ms)} entries for {count} values (must be equal)")
        if len(item.steps) not in (0, count):
            raise errors.InvalidArgument(
                f"{field}[{index}].steps", f"has {len(item.steps)} entries for {count} values (must be equal or 0)")
        total += count
    if total > MAX_BATCH_POINTS:
        raise errors.InvalidArgument(field, f"at most {MAX_BATCH_POINTS} metric points per request, got {total}")
    return total


def check_inputs(field: str, inputs: Sequence[pb.DatasetInput]) -> None:
    if len(inputs) > MAX_INPUTS:
        raise errors.InvalidArgument(field, f"at most {MAX_INPUTS} dataset inputs per request, got {len(inputs)}")
    for index, item in enumerate(inputs):
        if not item.dataset.name:
            raise errors.InvalidArgument(f"{field}[{index}].dataset.name", "is required")
        for name, limit in DATASET_LIMITS.items():
            value = getattr(item.dataset, name)
            if len(value) > limit:
                raise errors.InvalidArgument(
                    f"{field}[{index}].dataset.{name}", f"is at most {limit} characters, got {len(value)}")
        check_value(f"{field}[{index}].context", item.context, MAX_KEY)
        check_tags(f"{field}[{index}].tags", item.tags)


def artifact_location(experiment_id: str, requested: str) -> str:
    """The requested location, or the default one under the artifact service's namespace."""
    return requested.rstrip("/") if requested else f"mlledger-artifacts:/experiments/{experiment_id}"


def run_artifact_uri(location: str, run_id: str) -> str:
    return f"{location.rstrip('/')}/{run_id}/artifacts"


def page_size(field: str, requested: int, default: int = DEFAULT_PAGE, maximum: int = MAX_PAGE) -> int:
    if requested < 0:
        raise errors.InvalidArgument(field, f"must not be negative, got {requested}")
    if requested > maximum:
        raise errors.InvalidArgument(field, f"is at most {maximum}, got {requested}")
    return requested or default


def view_stages(view: int) -> list[str]:
    """The lifecycle stages a view type selects."""
    if view == pb.DELETED_ONLY:
        return ["DELETED"]
    if view == pb.ALL:
        return ["ACTIVE", "DELETED"]
    return ["ACTIVE"]


def status_name(status: int) -> str:
    return pb.RunStatus.Name(status)


def check_status(field: str, status: int) -> None:
    if status not in pb.RunStatus.values() or status == pb.RUN_STATUS_UNSPECIFIED:
        raise errors.InvalidArgument(field, f"unknown run status {status}")


def run_update(before: pb.RunInfo, request: pb.UpdateRunRequest, now: int) -> pb.RunUpdated | None:
    """The run.updated payload for a request, or None when it changes nothing.

    A terminal status without an end time ends the run now, unless it already has an end time.
    """
    payload = pb.RunUpdated(run_id=before.run_id)
    if request.status and request.status != before.status:
        payload.status = request.status
        payload.previous_status = before.status
    if request.HasField("end_time"):
        if request.end_time != before.end_time:
            payload.end_time.CopyFrom(request.end_time)
    elif request.status in TERMINAL and not before.HasField("end_time"):
        payload.end_time.CopyFrom(timestamp(now))
    if request.HasField("run_name") and request.run_name != before.run_name:
        payload.run_name = request.run_name
    changed = payload.status or payload.HasField("end_time") or payload.HasField("run_name")
    return payload if changed else None


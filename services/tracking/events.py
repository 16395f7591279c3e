"""Tracking event types ("<entity>.<verb>", the NATS subject tail), their streams and payloads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from google.protobuf.message import Message

from mlledger.services.eventstore.model import NewEvent
from mlledger.v1 import tracking_pb2 as pb

EXPERIMENT_CREATED = "experiment.created"
EXPERIMENT_RENAMED = "experiment.renamed"
EXPERIMENT_DELETED = "experiment.deleted"
EXPERIMENT_RESTORED = "experiment.restored"
EXPERIMENT_TAG_SET = "experiment.tag_set"
EXPERIMENT_TAG_DELETED = "experiment.tag_deleted"
RUN_CREATED = "run.created"
RUN_UPDATED = "run.updated"
RUN_DELETED = "run.deleted"
RUN_RESTORED = "run.restored"
RUN_TAG_SET = "run.tag_set"
RUN_TAG_DELETED = "run.tag_deleted"
RUN_PARAMS_LOGGED = "run.params_logged"
RUN_METRICS_LOGGED = "run.metrics_logged"
RUN_INPUTS_LOGGED = "run.inputs_logged"

#: The payload message of every event type.
PAYLOADS: dict[str, type[Message]] = {
    EXPERIMENT_CREATED: pb.ExperimentCreated,
    EXPERIMENT_RENAMED: pb.ExperimentRenamed,
    EXPERIMENT_DELETED: pb.ExperimentDeleted,
    EXPERIMENT_RESTORED: pb.ExperimentRestored,
    EXPERIMENT_TAG_SET: pb.ExperimentTagSet,
    EXPERIMENT_TAG_DELETED: pb.ExperimentTagDeleted,
    RUN_CREATED: pb.RunCreated,
    RUN_UPDATED: pb.RunUpdated,
    RUN_DELETED: pb.RunDeleted,
    RUN_RESTORED: pb.RunRestored,
    RUN_TAG_SET: pb.RunTagSet,
    RUN_TAG_DELETED: pb.RunTagDeleted,
    RUN_PARAMS_LOGGED: pb.RunParamsLogged,
    RUN_METRICS_LOGGED: pb.RunMetricsLogged,
    RUN_INPUTS_LOGGED: pb.RunInputsLogged,
}


def experiment_event(experiment_id: str, event_type: str, payload: Message) -> NewEvent:
    """An event on the stream "experiment/<id>"."""
    return NewEvent(f"experiment/{experiment_id}", event_type, payload)


def run_event(run_id: str, event_type: str, payload: Message) -> NewEvent:
    """An event on the stream "run/<id>"."""
    return NewEvent(f"run/{run_id}", event_type, payload)


#: Event payloads stay well below NATS's default 1 MiB message limit: a larger one could never
#: be published and would stall the relay, so big writes become several events in one transaction.
MAX_EVENT_BYTES = 512 * 1024
#: Points per run.metrics_logged event (at most ~28 bytes each on the wire, so about 700 KiB).
MAX_EVENT_POINTS = 25_000

T = TypeVar("T", bound=Message)


def sized_groups(items: Sequence[T], limit: int = MAX_EVENT_BYTES) -> list[list[T]]:
    """`items` in order, grouped so that each group's serialized size stays within `limit`."""
    groups: list[list[T]] = []
    size = limit
    for item in items:
        item_size = item.ByteSize() + 8
        if size + item_size > limit and (not groups or groups[-1]):
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += item_size
    return groups


#: Encoded bytes per run.metrics_logged event: room for MAX_EVENT_POINTS points at their largest,
#: below the event store's limit (many series with long keys reach it with far fewer points).
MAX_METRIC_EVENT_BYTES = 800 * 1024
#: Upper bound of one point's encoded size: a double, and a timestamp and a step as varints.
_MAX_POINT_BYTES = 8 + 10 + 10
#: Upper bound of a series' encoding apart from its key and points (field tags and lengths).
_SERIES_OVERHEAD = 32


def metric_groups(series: Sequence[pb.MetricSeries], limit: int = MAX_EVENT_POINTS,
                  max_bytes: int = MAX_METRIC_EVENT_BYTES) -> list[list[pb.MetricSeries]]:
    """Series grouped into at most `limit` points and about `max_bytes` encoded bytes per group,
    slicing a series that does not fit whole (many short series with long keys split by size).

    The common case (a batch within both limits) returns the series untouched, copying nothing.
    """
    if sum(len(item.values) for item in series) <= limit and \
            pb.RunMetricsLogged(metrics=series).ByteSize() <= max_bytes:
        return [list(series)]
    groups: list[list[pb.MetricSeries]] = [[]]
    room, room_bytes = limit, max_bytes
    for item in series:
        start, count = 0, len(item.values)
        whole = item.ByteSize() + _SERIES_OVERHEAD
        if count <= room and whole <= room_bytes:
            groups[-1].append(item)
            room, room_bytes = room - count, room_bytes - whole
            continue
        fixed = len(item.key.encode()) + _SERIES_OVERHEAD
        while start < count:
            fits = min(count - start, room, (room_bytes - fixed) // _MAX_POINT_BYTES)
            if fits <= 0:
                groups.append([])
                room, room_bytes = limit, max_bytes
                continue
            end = start + fits
            part = item if (start, end) == (0, count) else _slice(item, start, end)
            groups[-1].append(part)
            room, room_bytes = room - fits, room_bytes - fixed - fits * _MAX_POINT_BYTES
            start = end
    return [group for group in groups if group]


def _slice(series: pb.MetricSeries, start: int, end: int) -> pb.MetricSeries:
    steps = series.steps[start:end] if len(series.steps) else []
    return pb.MetricSeries(key=series.key, values=series.values[start:end],
                           timestamps_ms=series.timestamps_ms[start:end], steps=steps)

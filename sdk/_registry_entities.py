"""The registry's results as plain frozen dataclasses (times in milliseconds since the epoch, as in MLflow)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from mlledger import errors, timestamps
from mlledger.v1 import events_pb2, registry_pb2 as pb
from mlledger.vocabulary import STAGES, stage_by_name, stage_name

_STATUS_NAMES = {pb.PENDING_REGISTRATION: "PENDING_REGISTRATION", pb.FAILED_REGISTRATION: "FAILED_REGISTRATION",
                 pb.READY: "READY"}


def stage_number(stage: str, field_name: str = "stage") -> pb.ModelStage:
    """The protobuf value of an MLflow stage name (case-insensitive)."""
    number = stage_by_name(stage)
    if number is not None:
        return number
    raise errors.InvalidArgument(field_name, f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")


def _millis(message: Any, name: str) -> int | None:
    return timestamps.millis(getattr(message, name)) if message.HasField(name) else None


@dataclass(frozen=True)
class ModelLineage:
    """The run a version came from, and that run's params and latest metrics when it was registered."""

    run_id: str
    experiment_id: str
    run_digest: str
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    run_artifact_uri: str = ""

    @classmethod
    def from_proto(cls, message: pb.ModelLineage) -> ModelLineage:
        return cls(message.run_id, message.experiment_id, message.run_digest, dict(message.params),
                   dict(message.metrics), message.run_artifact_uri)


@dataclass(frozen=True)
class StageChange:
    """The last stage change of a version: from where, to where, who, when (ms)."""

    from_stage: str
    to_stage: str
    actor: str
    timestamp: int
    archived_by_version: int | None = None

    @classmethod
    def from_proto(cls, message: pb.StageChange) -> StageChange:
        return cls(stage_name(message.from_stage), stage_name(message.to_stage), message.actor,
                   message.time.ToMilliseconds(), message.archived_by_version or None)


@dataclass(frozen=True)
class ModelVersion:
    """One version of a registered model."""

    name: str
    version: int
    creation_timestamp: int | None
    last_updated_timestamp: int | None
    description: str
    user_id: str
    current_stage: str
    source: str
    run_id: str | None
    status: str
    status_message: str
    tags: Mapping[str, str]
    aliases: tuple[str, ...]
    storage_location: str
    lineage: ModelLineage
    last_stage_change: StageChange | None
    model_id: str
    #: What the version's MLmodel says: flavors, loader_module, signature_inputs/outputs/params (JSON
    #: strings, as in MLmodel), model_uuid, ... ; None when its files are not a model directory.
    model_format: Mapping[str, Any] | None = None

    @classmethod
    def from_proto(cls, m: pb.ModelVersion) -> ModelVersion:
        return cls(
            m.name, m.version, _millis(m, "creation_time"), _millis(m, "last_updated_time"), m.description,
            m.user_id, stage_name(m.current_stage), m.source, m.run_id or None,
            _STATUS_NAMES.get(m.status, "PENDING_REGISTRATION"), m.status_message, {t.key: t.value for t in m.tags},
            tuple(m.aliases), m.storage_location, ModelLineage.from_proto(m.lineage),
            StageChange.from_proto(m.last_stage_change) if m.HasField("last_stage_change") else None, m.model_id,
            json_format.MessageToDict(m.model_format, preserving_proto_field_name=True,
                                      always_print_fields_with_no_presence=True)
            if m.HasField("model_format") else None,
        )


@dataclass(frozen=True)
class RegisteredModel:
    """A named model: its tags, aliases (alias -> version) and the latest version in each stage."""

    name: str
    creation_timestamp: int | None
    last_updated_timestamp: int | None
    description: str
    tags: Mapping[str, str]
    aliases: Mapping[str, int]
    latest_versions: tuple[ModelVersion, ...]
    model_id: str

    @classmethod
    def from_proto(cls, m: pb.RegisteredModel) -> RegisteredModel:
        return cls(m.name, _millis(m, "creation_time"), _millis(m, "last_updated_time"), m.description,
                   {t.key: t.value for t in m.tags}, {a.alias: a.version for a in m.aliases},
                   tuple(ModelVersion.from_proto(v) for v in m.latest_versions), m.model_id)


@dataclass(frozen=True)
class ModelEvent:
    """One recorded change of a model or version (from its history)."""

    id: str
    type: str
    stream: str
    stream_version: int
    position: int
    time: dt.datetime
    actor: str
    correlation_id: str
    payload: Message
    data: Mapping[str, Any]

    @classmethod
    def from_proto(cls, event: events_pb2.Event) -> ModelEvent:
        name = event.payload.type_url.rsplit("/", 1)[-1].rsplit(".", 1)[-1]
        payload = getattr(pb, name)()
        event.payload.Unpack(payload)
        data = json_format.MessageToDict(payload, preserving_proto_field_name=True)
        return cls(event.id, event.type, event.stream, event.stream_version, event.global_position,
                   event.time.ToDatetime(tzinfo=dt.timezone.utc), event.actor, event.correlation_id, payload, data)


@dataclass(frozen=True)
class ResolvedModel:
    """What a models:/ URI names: the version and where its files are."""

    model_version: ModelVersion
    storage_location: str

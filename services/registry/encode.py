"""Domain state to protobuf messages (the same encoding for live and as-of reads)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from google.protobuf.timestamp_pb2 import Timestamp

from mlledger.timestamps import from_datetime
from mlledger.services.registry.domain import ModelState, VersionState
from mlledger.v1 import registry_pb2 as pb


def timestamp(value: dt.datetime) -> Timestamp:
    """A recorded time on the wire."""
    return from_datetime(value)


def _tags(mapping: Mapping[str, str]) -> list[pb.ModelTag]:
    return [pb.ModelTag(key=key, value=value) for key, value in sorted(mapping.items())]


def version(model: ModelState, state: VersionState) -> pb.ModelVersion:
    """A version as the API returns it (aliases come from the model)."""
    message = pb.ModelVersion(
        name=model.name, version=state.version, creation_time=timestamp(state.created),
        last_updated_time=timestamp(state.updated), description=state.description, source=state.source,
        run_id=state.run_id, status=state.status, status_message=state.status_message,  # type: ignore[arg-type]
        current_stage=state.stage, tags=_tags(state.tags),  # type: ignore[arg-type]
        aliases=model.aliases_of(state.version),
        storage_location=state.storage_location, lineage=state.lineage, user_id=state.user_id,
        model_id=model.model_id,
    )
    if state.model_format is not None:
        message.model_format.CopyFrom(state.model_format)
    change = state.last_change
    if change is not None:
        message.last_stage_change.CopyFrom(pb.StageChange(
            from_stage=change.from_stage, to_stage=change.to_stage, actor=change.actor,  # type: ignore[arg-type]
            time=timestamp(change.time), archived_by_version=change.archived_by_version))
    return message


def model(state: ModelState) -> pb.RegisteredModel:
    """A registered model with its aliases and the latest version in each stage."""
    return pb.RegisteredModel(
        name=state.name, model_id=state.model_id, creation_time=timestamp(state.created),
        last_updated_time=timestamp(state.updated), description=state.description, tags=_tags(state.tags),
        aliases=[pb.ModelAlias(alias=alias, version=number) for alias, number in sorted(state.aliases.items())],
        latest_versions=[version(state, v) for v in state.latest_per_stage()],
    )

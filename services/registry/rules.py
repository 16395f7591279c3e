"""Which events each registry command produces, given the model's current state; pure.

Every function checks the command against the state (raising the precise mlledger error) and
returns the events to append. State comes from the live read model on writes (see queries.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from google.protobuf.message import Message

from mlledger import errors
from mlledger.services.eventstore.model import NewEvent
from mlledger.services.registry import events as ev
from mlledger.services.registry.domain import ModelState, VersionState
from mlledger.v1 import registry_pb2 as pb
from mlledger.vocabulary import ARCHIVING_STAGES, STAGE_NAMES


def _tags(mapping: Mapping[str, str]) -> list[pb.ModelTag]:
    return [pb.ModelTag(key=key, value=value) for key, value in mapping.items()]


def _model(model: ModelState, event_type: str, payload: Message) -> NewEvent:
    return NewEvent(ev.model_stream(model.model_id), event_type, payload)


def _version(model: ModelState, number: int, event_type: str, payload: Message) -> NewEvent:
    return NewEvent(ev.version_stream(model.model_id, number), event_type, payload)


def create_model(model_id: str, name: str, description: str, tags: Mapping[str, str]) -> NewEvent:
    payload = pb.RegisteredModelCreated(model_id=model_id, name=name, description=description, tags=_tags(tags))
    return NewEvent(ev.model_stream(model_id), ev.MODEL_CREATED, payload)


def rename_model(model: ModelState, new_name: str) -> NewEvent:
    return _model(model, ev.MODEL_RENAMED,
                  pb.RegisteredModelRenamed(model_id=model.model_id, old_name=model.name, new_name=new_name))


def update_model(model: ModelState, description: str) -> NewEvent:
    return _model(model, ev.MODEL_UPDATED,
                  pb.RegisteredModelUpdated(model_id=model.model_id, name=model.name, description=description))


def delete_model(model: ModelState) -> NewEvent:
    return _model(model, ev.MODEL_DELETED, pb.RegisteredModelDeleted(model_id=model.model_id, name=model.name))


def set_model_tag(model: ModelState, key: str, value: str) -> NewEvent:
    payload = pb.RegisteredModelTagSet(model_id=model.model_id, name=model.name, tag=pb.ModelTag(key=key, value=value))
    return _model(model, ev.MODEL_TAG_SET, payload)


def delete_model_tag(model: ModelState, key: str) -> NewEvent:
    if key not in model.tags:
        raise errors.NotFound("registered model tag", f"{model.name}/{key}")
    return _model(model, ev.MODEL_TAG_DELETED,
                  pb.RegisteredModelTagDeleted(model_id=model.model_id, name=model.name, key=key))


def create_version(model: ModelState, source: str, run_id: str, description: str, tags: Mapping[str, str],
                   lineage: pb.ModelLineage) -> NewEvent:
    """The next version (numbers never reused, even after a delete), PENDING_REGISTRATION."""
    number = model.last_version + 1
    payload = pb.ModelVersionCreated(model_id=model.model_id, name=model.name, version=number, source=source,
                                     run_id=run_id, description=description, tags=_tags(tags), lineage=lineage)
    return _version(model, number, ev.VERSION_CREATED, payload)


def finish_registration(model: ModelState, number: int, snapshot: pb.ModelVersionReady | None,
                        failure: str) -> NewEvent:
    """READY with the snapshot's location, or FAILED_REGISTRATION with the reason."""
    version = model.version(number)
    if version.status != pb.PENDING_REGISTRATION:
        raise errors.FailedPrecondition(f"model version {model.name}/{number} is not pending registration",
                                        subject=f"{model.name}/{number}")
    if snapshot is not None:
        return _version(model, number, ev.VERSION_READY, snapshot)
    payload = pb.ModelVersionRegistrationFailed(model_id=model.model_id, name=model.name, version=number,
                                                reason=failure)
    return _version(model, number, ev.VERSION_REGISTRATION_FAILED, payload)


def update_version(model: ModelState, number: int, description: str) -> NewEvent:
    model.version(number)
    return _version(model, number, ev.VERSION_UPDATED, pb.ModelVersionUpdated(
        model_id=model.model_id, name=model.name, version=number, description=description))


def delete_version(model: ModelState, number: int) -> NewEvent:
    model.version(number)
    return _version(model, number, ev.VERSION_DELETED,
                    pb.ModelVersionDeleted(model_id=model.model_id, name=model.name, version=number))


def set_version_tag(model: ModelState, number: int, key: str, value: str) -> NewEvent:
    model.version(number)
    return _version(model, number, ev.VERSION_TAG_SET, pb.ModelVersionTagSet(
        model_id=model.model_id, name=model.name, version=number, tag=pb.ModelTag(key=key, value=value)))


def delete_version_tag(model: ModelState, number: int, key: str) -> NewEvent:
    if key not in model.version(number).tags:
        raise errors.NotFound("model version tag", f"{model.name}/{number}/{key}")
    return _version(model, number, ev.VERSION_TAG_DELETED, pb.ModelVersionTagDeleted(
        model_id=model.model_id, name=model.name, version=number, key=key))


def transition(model: ModelState, number: int, stage: int, archive_existing: bool,
               expected_current: int) -> list[NewEvent]:
    """Move a version to `stage`; with `archive_existing`, archive the others there in the same commit."""
    version = model.version(number)
    if version.status == pb.FAILED_REGISTRATION:
        raise errors.FailedPrecondition(f"model version {model.name}/{number} failed registration: it has no files",
                                        subject=f"{model.name}/{number}")
    if expected_current and version.stage != expected_current:
        raise errors.ConcurrencyConflict(
            f"model version {model.name}/{number} is in stage {STAGE_NAMES[version.stage]}, not "
            f"{STAGE_NAMES.get(expected_current, expected_current)} as expected: it changed concurrently")
    if archive_existing and stage not in ARCHIVING_STAGES:
        raise errors.InvalidArgument("archive_existing_versions", "only applies to STAGE_STAGING and STAGE_PRODUCTION")
    others = _occupants(model, stage, number) if archive_existing else []
    main = pb.ModelVersionStageTransitioned(model_id=model.model_id, name=model.name, version=number,
                                            from_stage=cast(pb.ModelStage, version.stage), to_stage=cast(pb.ModelStage, stage),
                                            archived_versions=[other.version for other in others])
    result = [_version(model, number, ev.VERSION_STAGE_TRANSITIONED, main)]
    for other in others:
        result.append(_version(model, other.version, ev.VERSION_STAGE_TRANSITIONED, pb.ModelVersionStageTransitioned(
            model_id=model.model_id, name=model.name, version=other.version, from_stage=cast(pb.ModelStage, other.stage),
            to_stage=pb.STAGE_ARCHIVED, archived_by_version=number)))
    return result


def _occupants(model: ModelState, stage: int, number: int) -> list[VersionState]:
    return sorted((v for v in model.versions.values() if v.stage == stage and v.version != number),
                  key=lambda v: v.version)


def set_alias(model: ModelState, alias: str, number: int) -> NewEvent:
    model.version(number)
    return _model(model, ev.ALIAS_SET, pb.AliasSet(model_id=model.model_id, name=model.name, alias=alias,
                                                   version=number, previous_version=model.aliases.get(alias, 0)))


def delete_alias(model: ModelState, alias: str) -> NewEvent:
    if alias not in model.aliases:
        raise errors.NotFound("registered model alias", f"{model.name}@{alias}")
    return _model(model, ev.ALIAS_DELETED, pb.AliasDeleted(model_id=model.model_id, name=model.name, alias=alias,
                                                           version=model.aliases[alias]))

"""The registry's rules, pure: the state of a registered model, how each event changes it, and
which events a command produces.

The same `evolve` folds a model's events for as-of reads that the live read model mirrors in
SQL (projector.py), and the same decision functions guard every write. A live write loads only
the versions it needs into `ModelState.versions` (e.g. the target and those in the target stage).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from mlledger import errors
from mlledger.services.eventstore.model import Envelope
from mlledger.services.registry import events as ev
from mlledger.v1 import registry_pb2 as pb
from mlledger.vocabulary import STAGE_NAMES


@dataclass(frozen=True)
class StageChangeState:
    """Who last moved a version between stages, and when."""

    from_stage: int
    to_stage: int
    actor: str
    time: dt.datetime
    archived_by_version: int = 0


@dataclass(frozen=True)
class VersionState:
    """One model version."""

    version: int
    source: str
    run_id: str
    description: str
    created: dt.datetime
    updated: dt.datetime
    user_id: str
    lineage: pb.ModelLineage
    tags: Mapping[str, str] = field(default_factory=dict)
    status: int = pb.PENDING_REGISTRATION
    status_message: str = ""
    stage: int = pb.STAGE_NONE
    storage_location: str = ""
    last_change: StageChangeState | None = None
    model_format: pb.ModelFormat | None = None


@dataclass(frozen=True)
class ModelState:
    """A registered model with (some or all of) its versions."""

    model_id: str
    name: str
    description: str
    created: dt.datetime
    updated: dt.datetime
    last_version: int = 0
    tags: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, int] = field(default_factory=dict)
    versions: Mapping[int, VersionState] = field(default_factory=dict)
    deleted: bool = False

    def version(self, number: int) -> VersionState:
        """The version, or NotFound naming it."""
        found = self.versions.get(number)
        if found is None:
            raise errors.NotFound("model version", f"{self.name}/{number}")
        return found

    def aliases_of(self, number: int) -> list[str]:
        return sorted(alias for alias, version in self.aliases.items() if version == number)

    def latest_per_stage(self, stages: Iterable[int] = ()) -> list[VersionState]:
        """The highest-numbered version in each stage (all stages when `stages` is empty)."""
        wanted = set(stages) or set(STAGE_NAMES)
        latest: dict[int, VersionState] = {}
        for version in self.versions.values():
            best = latest.get(version.stage)
            if version.stage in wanted and (best is None or version.version > best.version):
                latest[version.stage] = version
        return sorted(latest.values(), key=lambda v: v.version)


# ---- evolve: one event applied to the state (the fold behind as-of reads) ----------------------


def _without(mapping: Mapping[str, str], key: str) -> dict[str, str]:
    return {k: v for k, v in mapping.items() if k != key}


def _model_event(state: ModelState | None, event: Envelope) -> ModelState | None:
    p, t = event.payload, event.stamped
    if event.type == ev.MODEL_CREATED:
        return ModelState(p.model_id, p.name, p.description, t, t, tags={tag.key: tag.value for tag in p.tags})
    assert state is not None, f"{event.type} before registered_model.created"
    if event.type == ev.MODEL_RENAMED:
        return dataclasses.replace(state, name=p.new_name, updated=t)
    if event.type == ev.MODEL_UPDATED:
        return dataclasses.replace(state, description=p.description, updated=t)
    if event.type == ev.MODEL_DELETED:
        return dataclasses.replace(state, deleted=True, updated=t, versions={}, aliases={})
    if event.type == ev.MODEL_TAG_SET:
        return dataclasses.replace(state, tags={**state.tags, p.tag.key: p.tag.value}, updated=t)
    if event.type == ev.MODEL_TAG_DELETED:
        return dataclasses.replace(state, tags=_without(state.tags, p.key), updated=t)
    if event.type == ev.ALIAS_SET:
        return dataclasses.replace(state, aliases={**state.aliases, p.alias: p.version}, updated=t)
    if event.type == ev.ALIAS_DELETED:
        return dataclasses.replace(state, aliases={a: v for a, v in state.aliases.items() if a != p.alias}, updated=t)
    return state


def stage_change(event: Envelope) -> StageChangeState:
    """What a model_version.stage_transitioned event does: the version moves to `to_stage`, and
    this is the record of the move. `evolve` and the projector both apply it from here."""
    p = event.payload
    return StageChangeState(p.from_stage, p.to_stage, event.actor, event.stamped, p.archived_by_version)


def _version_event(version: VersionState | None, event: Envelope) -> VersionState | None:
    p, t = event.payload, event.stamped
    if event.type == ev.VERSION_CREATED:
        return VersionState(p.version, p.source, p.run_id, p.description, t, t, event.actor, p.lineage,
                            tags={tag.key: tag.value for tag in p.tags})
    assert version is not None, f"{event.type} before model_version.created"
    if event.type == ev.VERSION_READY:
        return dataclasses.replace(version, status=pb.READY, storage_location=p.storage_location, updated=t,
                                   model_format=p.model_format if p.HasField("model_format") else None)
    if event.type == ev.VERSION_REGISTRATION_FAILED:
        return dataclasses.replace(version, status=pb.FAILED_REGISTRATION, status_message=p.reason, updated=t)
    if event.type == ev.VERSION_STAGE_TRANSITIONED:
        change = stage_change(event)
        return dataclasses.replace(version, stage=change.to_stage, last_change=change, updated=t)
    if event.type == ev.VERSION_UPDATED:
        return dataclasses.replace(version, description=p.description, updated=t)
    if event.type == ev.VERSION_TAG_SET:
        return dataclasses.replace(version, tags={**version.tags, p.tag.key: p.tag.value}, updated=t)
    if event.type == ev.VERSION_TAG_DELETED:
        return dataclasses.replace(version, tags=_without(version.tags, p.key), updated=t)
    if event.type == ev.VERSION_DELETED:
        return None
    return version


def evolve(state: ModelState | None, event: Envelope) -> ModelState | None:
    """The model after `event` (model-level and version-level events alike)."""
    if event.stream.startswith("registered_model/"):
        return _model_event(state, event)
    assert state is not None, f"{event.type} for a model that does not exist"
    number = int(event.payload.version)
    after = _version_event(state.versions.get(number), event)
    versions = {n: v for n, v in state.versions.items() if n != number}
    aliases = dict(state.aliases)
    if after is not None:
        versions[number] = after
    else:  # a deleted version takes its aliases with it
        aliases = {a: v for a, v in aliases.items() if v != number}
    return dataclasses.replace(state, versions=versions, aliases=aliases, updated=event.stamped,
                               last_version=max(state.last_version, number))


def fold(events: Iterable[Envelope]) -> ModelState | None:
    """The model after all `events` (in log order)."""
    state: ModelState | None = None
    for event in events:
        state = evolve(state, event)
    return state

"""The registry calls of `mlledger.Client`: registered models, versions, stages, aliases, history."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from google.protobuf import timestamp_pb2

from mlledger import errors
from mlledger._entities import PagedList
from mlledger._registry_entities import (
    ModelEvent, ModelVersion, RegisteredModel, ResolvedModel, stage_number,
)
from mlledger.transport import Transport
from mlledger.v1 import registry_pb2 as pb
from mlledger.v1 import registry_pb2_grpc

#: A point in the past for as-of reads: a datetime (naive means UTC) or a log position.
AsOf = dt.datetime | int | None


def _as_of(value: AsOf) -> pb.AsOf | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        stamp = timestamp_pb2.Timestamp()
        stamp.FromDatetime(value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc))
        return pb.AsOf(time=stamp)
    if isinstance(value, int) and not isinstance(value, bool):
        return pb.AsOf(position=value)
    raise errors.InvalidArgument("as_of", f"expected a datetime or a log position, got {value!r}")


def _tags(tags: Mapping[str, Any] | None) -> list[pb.ModelTag]:
    return [pb.ModelTag(key=str(key), value=str(value)) for key, value in (tags or {}).items()]


def _version(version: int | str) -> int:
    try:
        return int(version)
    except (TypeError, ValueError):
        raise errors.InvalidArgument("version", f"expected a version number, got {version!r}") from None


class RegistryCalls:
    """Every registry RPC with plain Python types (mixed into mlledger.Client)."""

    _transport: Transport

    @property
    def _registry(self) -> registry_pb2_grpc.RegistryServiceStub:
        # A stub is cheap but not free; keep one per channel (the channel changes after close()).
        channel = self._transport.channel("registry")
        cached = self.__dict__.get("_registry_stub")
        if cached is None or cached[0] is not channel:
            cached = (channel, registry_pb2_grpc.RegistryServiceStub(channel))
            self.__dict__["_registry_stub"] = cached
        return cached[1]

    def _write(self, method: str, request: Any) -> Any:
        return self._transport.call(getattr(self._registry, method), request)

    def _read(self, method: str, request: Any) -> Any:
        return self._transport.call(getattr(self._registry, method), request, write=False)

    # -- registered models -------------------------------------------------------------------

    def create_registered_model(self, name: str, tags: Mapping[str, Any] | None = None,
                                description: str | None = None) -> RegisteredModel:
        """Create a registered model; raises AlreadyExists when the name is taken."""
        request = pb.CreateRegisteredModelRequest(name=name, tags=_tags(tags), description=description or "")
        return RegisteredModel.from_proto(self._write("CreateRegisteredModel", request).registered_model)

    def get_registered_model(self, name: str, *, as_of: AsOf = None) -> RegisteredModel:
        """The model now, or as it was at `as_of` (a datetime or a log position)."""
        request = pb.GetRegisteredModelRequest(name=name, as_of=_as_of(as_of))
        return RegisteredModel.from_proto(self._read("GetRegisteredModel", request).registered_model)

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename a model; its versions and history follow it."""
        request = pb.RenameRegisteredModelRequest(name=name, new_name=new_name)
        return RegisteredModel.from_proto(self._write("RenameRegisteredModel", request).registered_model)

    def update_registered_model(self, name: str, description: str | None = None) -> RegisteredModel:
        """Change a model's description."""
        request = pb.UpdateRegisteredModelRequest(name=name, description=description or "")
        return RegisteredModel.from_proto(self._write("UpdateRegisteredModel", request).registered_model)

    def delete_registered_model(self, name: str) -> None:
        """Delete a model with its versions and aliases (its history stays readable)."""
        self._write("DeleteRegisteredModel", pb.DeleteRegisteredModelRequest(name=name))

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        self._write("SetRegisteredModelTag", pb.SetRegisteredModelTagRequest(name=name, key=key, value=str(value)))

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self._write("DeleteRegisteredModelTag", pb.DeleteRegisteredModelTagRequest(name=name, key=key))

    def search_registered_models(self, filter_string: str | None = None, max_results: int = 100,
                                 order_by: Sequence[str] | None = None, page_token: str | None = None) -> PagedList:
        """One page of models matching e.g. "name LIKE 'fraud%' AND tags.team = 'risk'"."""
        request = pb.SearchRegisteredModelsRequest(filter=filter_string or "", max_results=max_results,
                                                   order_by=list(order_by or ()), page_token=page_token or "")
        response = self._read("SearchRegisteredModels", request)
        return PagedList([RegisteredModel.from_proto(m) for m in response.registered_models], response.next_page_token)

    # -- model versions ----------------------------------------------------------------------

    def create_model_version(self, name: str, source: str, run_id: str | None = None,
                             tags: Mapping[str, Any] | None = None, run_link: str | None = None,
                             description: str | None = None, await_creation_for: float = 300) -> ModelVersion:
        """Register `source` ("runs:/<run_id>/<path>" or an artifact location) as the model's next version.

        The files are snapshotted: the version stays downloadable if the run or its artifacts go.
        A large model's files are copied after the call returns (the version is PENDING_REGISTRATION
        until then); as MLflow's client does, this then waits up to `await_creation_for` seconds
        for READY or FAILED_REGISTRATION (0: return at once). `run_link` is accepted for MLflow
        compatibility and ignored.
        """
        request = pb.CreateModelVersionRequest(name=name, source=source, run_id=run_id or "", tags=_tags(tags),
                                               description=description or "")
        version = ModelVersion.from_proto(self._write("CreateModelVersion", request).model_version)
        return self._await_registration(version, await_creation_for)

    def _await_registration(self, version: ModelVersion, seconds: float) -> ModelVersion:
        """The version once it is no longer PENDING_REGISTRATION, or as it is after `seconds`."""
        deadline = time.monotonic() + seconds
        delay = 0.05
        while version.status == "PENDING_REGISTRATION" and time.monotonic() < deadline:
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 2.0)
            version = self.get_model_version(version.name, version.version)
        return version

    def get_model_version(self, name: str, version: int | str, *, as_of: AsOf = None) -> ModelVersion:
        """A version now, or as it was at `as_of` (a datetime or a log position)."""
        request = pb.GetModelVersionRequest(name=name, version=_version(version), as_of=_as_of(as_of))
        return ModelVersion.from_proto(self._read("GetModelVersion", request).model_version)

    def update_model_version(self, name: str, version: int | str, description: str | None = None) -> ModelVersion:
        request = pb.UpdateModelVersionRequest(name=name, version=_version(version), description=description or "")
        return ModelVersion.from_proto(self._write("UpdateModelVersion", request).model_version)

    def delete_model_version(self, name: str, version: int | str) -> None:
        """Delete a version (its number is never reused; aliases to it are removed)."""
        self._write("DeleteModelVersion", pb.DeleteModelVersionRequest(name=name, version=_version(version)))

    def set_model_version_tag(self, name: str, version: int | str, key: str, value: Any) -> None:
        self._write("SetModelVersionTag", pb.SetModelVersionTagRequest(name=name, version=_version(version), key=key,
                                                                       value=str(value)))

    def delete_model_version_tag(self, name: str, version: int | str, key: str) -> None:
        self._write("DeleteModelVersionTag", pb.DeleteModelVersionTagRequest(name=name, version=_version(version),
                                                                             key=key))

    def get_latest_versions(self, name: str, stages: Iterable[str] | None = None, *,
                            as_of: AsOf = None) -> list[ModelVersion]:
        """The highest version in each stage (every stage when `stages` is None), now or at `as_of`."""
        numbers = [stage_number(stage, f"stages[{i}]") for i, stage in enumerate(stages or ())]
        request = pb.GetLatestVersionsRequest(name=name, stages=numbers, as_of=_as_of(as_of))
        return [ModelVersion.from_proto(v) for v in self._read("GetLatestVersions", request).model_versions]

    def search_model_versions(self, filter_string: str | None = None, max_results: int = 100,
                              order_by: Sequence[str] | None = None, page_token: str | None = None) -> PagedList:
        """One page of versions matching e.g. "name = 'fraud' AND run_id = '...'"."""
        request = pb.SearchModelVersionsRequest(filter=filter_string or "", max_results=max_results,
                                                order_by=list(order_by or ()), page_token=page_token or "")
        response = self._read("SearchModelVersions", request)
        return PagedList([ModelVersion.from_proto(v) for v in response.model_versions], response.next_page_token)

    def get_model_version_download_uri(self, name: str, version: int | str) -> str:
        """Where the version's files are (its snapshot, not the run's artifacts)."""
        request = pb.GetModelVersionDownloadUriRequest(name=name, version=_version(version))
        return str(self._read("GetModelVersionDownloadUri", request).artifact_uri)

    # -- stages and aliases ------------------------------------------------------------------

    def transition_model_version_stage(self, name: str, version: int | str, stage: str,
                                       archive_existing_versions: bool = False,
                                       expected_current_stage: str | None = None) -> ModelVersion:
        """Move a version to a stage (None, Staging, Production, Archived).

        With `archive_existing_versions`, the versions now in that stage are archived in the same
        commit; with `expected_current_stage`, a version that moved meanwhile raises ConcurrencyConflict.
        """
        request = pb.TransitionModelVersionStageRequest(
            name=name, version=_version(version), stage=stage_number(stage),
            archive_existing_versions=archive_existing_versions,
            expected_current_stage=stage_number(expected_current_stage, "expected_current_stage")
            if expected_current_stage else pb.MODEL_STAGE_UNSPECIFIED)
        return ModelVersion.from_proto(self._write("TransitionModelVersionStage", request).model_version)

    def set_registered_model_alias(self, name: str, alias: str, version: int | str) -> None:
        """Point `alias` at a version (moving it if it pointed elsewhere)."""
        self._write("SetRegisteredModelAlias", pb.SetRegisteredModelAliasRequest(name=name, alias=alias,
                                                                                 version=_version(version)))

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self._write("DeleteRegisteredModelAlias", pb.DeleteRegisteredModelAliasRequest(name=name, alias=alias))

    def get_model_version_by_alias(self, name: str, alias: str, *, as_of: AsOf = None) -> ModelVersion:
        """The version `alias` points at now, or pointed at at `as_of`."""
        request = pb.GetModelVersionByAliasRequest(name=name, alias=alias, as_of=_as_of(as_of))
        return ModelVersion.from_proto(self._read("GetModelVersionByAlias", request).model_version)

    def resolve_model_uri(self, uri: str) -> ResolvedModel:
        """The version "models:/name/3", "models:/name/Production" or "models:/name@alias" names."""
        response = self._read("ResolveModelUri", pb.ResolveModelUriRequest(uri=uri))
        return ResolvedModel(ModelVersion.from_proto(response.model_version), response.storage_location)

    # -- history -----------------------------------------------------------------------------

    def get_model_history(self, name: str, version: int | str | None = None, *, after_position: int = 0,
                          limit: int | None = None) -> list[ModelEvent]:
        """Every event of the model and its versions (or of one version), oldest first."""
        events: list[ModelEvent] = []
        while limit is None or len(events) < limit:
            page = min(1000, limit - len(events)) if limit is not None else 1000
            request = pb.GetHistoryRequest(name=name, version=_version(version) if version is not None else 0,
                                           after_position=after_position, limit=page)
            response = self._read("GetHistory", request)
            events += [ModelEvent.from_proto(event) for event in response.events]
            if len(response.events) < page:
                break
            after_position = response.last_position
        return events

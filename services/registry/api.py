"""gRPC handlers of mlledger.v1.RegistryService: check the request, call the write or read path, encode."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias, TypeVar

import grpc
from google.protobuf.message import Message

from mlledger import errors
from mlledger.services.eventstore.model import NewEvent
from mlledger.services.registry import encode, history, rules, validation as check
from mlledger.services.registry.domain import ModelState
from mlledger.services.registry.purge import RegistryPurge
from mlledger.services.registry.reads import RegistryReads
from mlledger.services.registry.registration import Registration
from mlledger.services.registry.writes import RegistryWrites
from mlledger.v1 import registry_pb2 as pb, registry_pb2_grpc

Ctx: TypeAlias = grpc.aio.ServicerContext
R = TypeVar("R", bound=Message)
MAX_HISTORY = 1000


def _as_of(request: pb.GetRegisteredModelRequest | pb.GetModelVersionRequest | pb.GetLatestVersionsRequest
           | pb.GetModelVersionByAliasRequest) -> pb.AsOf | None:
    return request.as_of if request.HasField("as_of") else None


class RegistryApi(registry_pb2_grpc.RegistryServiceServicer):
    """Registered models, versions, stages, aliases and history."""

    def __init__(self, writes: RegistryWrites, reads: RegistryReads, purge: RegistryPurge | None = None,
                 registration: Registration | None = None) -> None:
        self.writes = writes
        self.reads = reads
        self.purge = purge
        self.registration = registration

    # ---- registered models ----

    async def CreateRegisteredModel(self, request: pb.CreateRegisteredModelRequest, context: Ctx
                                    ) -> pb.CreateRegisteredModelResponse:
        name = check.model_name(request.name)
        tags = check.tags(request.tags)
        return await self.writes.create_model(name, check.description(request.description), tags)

    async def GetRegisteredModel(self, request: pb.GetRegisteredModelRequest, context: Ctx
                                 ) -> pb.GetRegisteredModelResponse:
        model, position = await self.reads.model(check.model_name(request.name), _as_of(request))
        return pb.GetRegisteredModelResponse(registered_model=encode.model(model), position=position)

    async def RenameRegisteredModel(self, request: pb.RenameRegisteredModelRequest, context: Ctx
                                    ) -> pb.RenameRegisteredModelResponse:
        return await self.writes.rename_model(check.model_name(request.name),
                                              check.model_name(request.new_name, "new_name"))

    async def UpdateRegisteredModel(self, request: pb.UpdateRegisteredModelRequest, context: Ctx
                                    ) -> pb.UpdateRegisteredModelResponse:
        description = check.description(request.description)
        return await self.writes.change(
            check.model_name(request.name), lambda m: rules.update_model(m, description),
            lambda m: pb.UpdateRegisteredModelResponse(registered_model=encode.model(m)),
            pb.UpdateRegisteredModelResponse, latest=True)

    async def DeleteRegisteredModel(self, request: pb.DeleteRegisteredModelRequest, context: Ctx
                                    ) -> pb.DeleteRegisteredModelResponse:
        return await self.writes.change(check.model_name(request.name), rules.delete_model,
                                        lambda m: pb.DeleteRegisteredModelResponse(), pb.DeleteRegisteredModelResponse)

    async def SetRegisteredModelTag(self, request: pb.SetRegisteredModelTagRequest, context: Ctx
                                    ) -> pb.SetRegisteredModelTagResponse:
        check.tag(request.key, request.value)
        return await self.writes.change(
            check.model_name(request.name), lambda m: rules.set_model_tag(m, request.key, request.value),
            lambda m: pb.SetRegisteredModelTagResponse(), pb.SetRegisteredModelTagResponse)

    async def DeleteRegisteredModelTag(self, request: pb.DeleteRegisteredModelTagRequest, context: Ctx
                                       ) -> pb.DeleteRegisteredModelTagResponse:
        check.tag(request.key, "")
        return await self.writes.change(
            check.model_name(request.name), lambda m: rules.delete_model_tag(m, request.key),
            lambda m: pb.DeleteRegisteredModelTagResponse(), pb.DeleteRegisteredModelTagResponse)

    async def SearchRegisteredModels(self, request: pb.SearchRegisteredModelsRequest, context: Ctx
                                     ) -> pb.SearchRegisteredModelsResponse:
        return await self.reads.search_models(request)

    # ---- model versions ----

    async def CreateModelVersion(self, request: pb.CreateModelVersionRequest, context: Ctx
                                 ) -> pb.CreateModelVersionResponse:
        check.model_name(request.name)
        if not request.source:
            raise errors.InvalidArgument("source",
                                         "a source is required (runs:/<run_id>/<path> or an artifact location)")
        if len(request.source) > check.MAX_SOURCE:
            raise errors.InvalidArgument("source", f"at most {check.MAX_SOURCE} characters")
        check.description(request.description)
        tags = check.tags(request.tags)
        assert self.registration is not None, "the service definition provides the registration use case"
        return pb.CreateModelVersionResponse(model_version=await self.registration.create_version(request, tags))

    async def GetModelVersion(self, request: pb.GetModelVersionRequest, context: Ctx
                              ) -> pb.GetModelVersionResponse:
        version, position = await self.reads.version(check.model_name(request.name),
                                                     check.version_number(request.version), _as_of(request))
        return pb.GetModelVersionResponse(model_version=version, position=position)

    async def _version_change(self, name: str, number: int, decide: Callable[[ModelState], NewEvent],
                              response_type: type[R]) -> R:
        """A write that touches one version and answers with an empty response."""
        check.model_name(name)
        check.version_number(number)
        return await self.writes.change(name, decide, lambda m: response_type(), response_type, numbers=[number])

    async def UpdateModelVersion(self, request: pb.UpdateModelVersionRequest, context: Ctx
                                 ) -> pb.UpdateModelVersionResponse:
        description, number = check.description(request.description), check.version_number(request.version)
        return await self.writes.change(
            check.model_name(request.name), lambda m: rules.update_version(m, number, description),
            lambda m: pb.UpdateModelVersionResponse(model_version=encode.version(m, m.version(number))),
            pb.UpdateModelVersionResponse, numbers=[number])

    async def DeleteModelVersion(self, request: pb.DeleteModelVersionRequest, context: Ctx
                                 ) -> pb.DeleteModelVersionResponse:
        return await self._version_change(request.name, request.version,
                                          lambda m: rules.delete_version(m, request.version),
                                          pb.DeleteModelVersionResponse)

    async def SetModelVersionTag(self, request: pb.SetModelVersionTagRequest, context: Ctx
                                 ) -> pb.SetModelVersionTagResponse:
        check.tag(request.key, request.value)
        return await self._version_change(
            request.name, request.version,
            lambda m: rules.set_version_tag(m, request.version, request.key, request.value),
            pb.SetModelVersionTagResponse)

    async def DeleteModelVersionTag(self, request: pb.DeleteModelVersionTagRequest, context: Ctx
                                    ) -> pb.DeleteModelVersionTagResponse:
        check.tag(request.key, "")
        return await self._version_change(
            request.name, request.version, lambda m: rules.delete_version_tag(m, request.version, request.key),
            pb.DeleteModelVersionTagResponse)

    async def GetLatestVersions(self, request: pb.GetLatestVersionsRequest, context: Ctx
                                ) -> pb.GetLatestVersionsResponse:
        stages = [check.stage(stage, f"stages[{i}]") for i, stage in enumerate(request.stages)]
        versions, position = await self.reads.latest(check.model_name(request.name), stages, _as_of(request))
        return pb.GetLatestVersionsResponse(model_versions=versions, position=position)

    async def SearchModelVersions(self, request: pb.SearchModelVersionsRequest, context: Ctx
                                  ) -> pb.SearchModelVersionsResponse:
        return await self.reads.search_versions(request)

    async def GetModelVersionDownloadUri(self, request: pb.GetModelVersionDownloadUriRequest, context: Ctx
                                         ) -> pb.GetModelVersionDownloadUriResponse:
        version, _ = await self.reads.version(check.model_name(request.name), check.version_number(request.version))
        if version.status != pb.READY:
            raise errors.FailedPrecondition(f"model version {version.name}/{version.version} is not READY: "
                                            f"{version.status_message or 'registration pending'}",
                                            subject=f"{version.name}/{version.version}")
        return pb.GetModelVersionDownloadUriResponse(artifact_uri=version.storage_location)

    # ---- stages and aliases ----

    async def TransitionModelVersionStage(
        self, request: pb.TransitionModelVersionStageRequest, context: Ctx
    ) -> pb.TransitionModelVersionStageResponse:
        name, number = check.model_name(request.name), check.version_number(request.version)
        stage = check.stage(request.stage)
        if request.expected_current_stage:
            check.stage(request.expected_current_stage, "expected_current_stage")
        archived: list[int] = []

        def decide(model: ModelState) -> list[NewEvent]:
            events = rules.transition(model, number, stage, request.archive_existing_versions,
                                      request.expected_current_stage)
            archived[:] = list(events[0].payload.archived_versions)  # type: ignore[attr-defined]
            return events

        return await self.writes.change(
            name, decide, lambda m: pb.TransitionModelVersionStageResponse(
                model_version=encode.version(m, m.version(number)), archived_versions=archived),
            pb.TransitionModelVersionStageResponse, numbers=[number], stages=[stage])

    async def SetRegisteredModelAlias(self, request: pb.SetRegisteredModelAliasRequest, context: Ctx
                                      ) -> pb.SetRegisteredModelAliasResponse:
        alias = check.alias(request.alias)
        return await self._version_change(
            request.name, request.version, lambda m: rules.set_alias(m, alias, request.version),
            pb.SetRegisteredModelAliasResponse)

    async def DeleteRegisteredModelAlias(self, request: pb.DeleteRegisteredModelAliasRequest, context: Ctx
                                         ) -> pb.DeleteRegisteredModelAliasResponse:
        alias = check.alias(request.alias)
        return await self.writes.change(
            check.model_name(request.name), lambda m: rules.delete_alias(m, alias),
            lambda m: pb.DeleteRegisteredModelAliasResponse(), pb.DeleteRegisteredModelAliasResponse)

    async def GetModelVersionByAlias(self, request: pb.GetModelVersionByAliasRequest, context: Ctx
                                     ) -> pb.GetModelVersionByAliasResponse:
        version, position = await self.reads.by_alias(check.model_name(request.name), check.alias(request.alias),
                                                      _as_of(request))
        return pb.GetModelVersionByAliasResponse(model_version=version, position=position)

    async def ResolveModelUri(self, request: pb.ResolveModelUriRequest, context: Ctx
                              ) -> pb.ResolveModelUriResponse:
        version = await self.reads.resolve(request.uri)
        return pb.ResolveModelUriResponse(model_version=version, storage_location=version.storage_location)

    # ---- history ----

    async def GetHistory(self, request: pb.GetHistoryRequest, context: Ctx) -> pb.GetHistoryResponse:
        name = check.model_name(request.name)
        if request.version < 0:
            raise errors.InvalidArgument("version", f"must be 0 (all) or a version number, got {request.version}")
        if request.limit < 0 or request.limit > MAX_HISTORY:
            raise errors.InvalidArgument("limit", f"must be between 0 and {MAX_HISTORY}, got {request.limit}")
        model_id = await history.model_id_ever(self.reads.store, name)
        events = await history.model_events(self.reads.store, model_id, version=request.version,
                                            after=request.after_position, limit=request.limit or 100)
        return pb.GetHistoryResponse(events=[event.to_proto("registry") for event in events],
                                     last_position=events[-1].position if events else request.after_position)

    async def PurgeModelVersion(self, request: pb.PurgeModelVersionRequest, context: Ctx
                                ) -> pb.PurgeModelVersionResponse:
        assert self.purge is not None, "the service definition provides the purge use case"
        return await self.purge.purge_version(request)

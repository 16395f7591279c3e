"""Which role each RPC needs on which resource: one table, read by the guard before a handler runs.

A rule maps a request to the (resource, role) pairs it needs. Methods of services that are
open to every authenticated principal are listed by service; any other method without a rule
needs an administrator, so a new RPC is closed until someone decides who may call it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mlledger.services.auth.settings import AuthSettings
from mlledger.v1 import auth_pb2 as pb
from mlledger.v1 import registry_pb2

TRACKING = "/mlledger.v1.TrackingService/"
REGISTRY = "/mlledger.v1.RegistryService/"
ARTIFACTS = "/mlledger.v1.ArtifactService/"
#: Called without any credential: probes, tooling, and the services' addresses (clients ask for
#: them before anything else; they are no secret).
OPEN_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.", "/mlledger.v1.DiscoveryService/")
#: Every method here is open to any authenticated principal (AuthService checks its own calls).
AUTHENTICATED_SERVICES = ("/mlledger.v1.AuthService/", "/mlledger.v1.EventLogService/",
                          "/mlledger.v1.EventService/")
EXPERIMENT_LOCATION = "mlledger-artifacts:/experiments/"
MODEL_LOCATION = "mlledger-artifacts:/models/"
MODEL_URI = "models:/"


@dataclass(frozen=True)
class Need:
    """One role a call needs on one resource; `why` completes "MANAGE on ... is needed<why>"."""

    kind: int
    resource_id: str
    role: int
    why: str = ""


#: Resolves a run id to its experiment id (None when the run does not exist); given by tracking.
RunResolver = Callable[[str], Awaitable[str | None]]
Rule = Callable[[Any, "Resolvers", AuthSettings], Awaitable[list[Need]]]


class Resolvers:
    """What a rule may look up; a service sets the ones it can answer."""

    def __init__(self) -> None:
        self.run_experiment: RunResolver | None = None

    async def experiment_of_run(self, run_id: str) -> str | None:
        return await self.run_experiment(run_id) if self.run_experiment is not None and run_id else None


def _experiment(field: str, role: int) -> Rule:
    async def rule(request: Any, resolvers: Resolvers, settings: AuthSettings) -> list[Need]:
        return [Need(pb.EXPERIMENT, getattr(request, field) or "0", role)]
    return rule


def _run(role: int) -> Rule:
    async def rule(request: Any, resolvers: Resolvers, settings: AuthSettings) -> list[Need]:
        experiment = await resolvers.experiment_of_run(request.run_id)
        # An unknown run protects nothing: the handler answers NOT_FOUND.
        return [] if experiment is None else [Need(pb.EXPERIMENT, experiment, role)]
    return rule


def _model(role: int) -> Rule:
    async def rule(request: Any, resolvers: Resolvers, settings: AuthSettings) -> list[Need]:
        return [Need(pb.REGISTERED_MODEL, request.name, role)]
    return rule


async def _nothing(request: Any, resolvers: Resolvers, settings: AuthSettings) -> list[Need]:
    return []


async def _search_runs(request: Any, resolvers: Resolvers, settings: AuthSettings) -> list[Need]:
    return [Need(pb.EXPERIMENT, experiment, pb.READ) for experiment in request.experiment_ids]


async def _history_bulk(request: Any, resolvers: Resolvers, settings: AuthSettings) -> list[Need]:
    found = [await resolvers.experiment_of_run(run_id) for run_id in request.run_ids]
    return [Need(pb.EXPERIMENT, experiment, pb.READ) for experiment in sorted(set(filter(None, found)))]


def stage_name(stage: int) -> str:
    """"Production" for STAGE_PRODUCTION (the names MLflow users know)."""
    try:
        return registry_pb2.ModelStage.Name(stage).removeprefix("STAGE_").capitalize()
    except ValueError:
        return str(stage)


async def _transition(request: Any, resolvers: Resolvers, settings: AuthSettings) -> list[Need]:
    stage = stage_name(request.stage)
    if stage.lower() in {name.lower() for name in settings.protected_stages}:
        return [Need(pb.REGISTERED_MODEL, request.name, pb.MANAGE, f" to move a version to {stage}")]
    return [Need(pb.REGISTERED_MODEL, request.name, pb.EDIT)]


async def _alias(request: Any, resolvers: Resolvers, settings: AuthSettings) -> list[Need]:
    if request.alias.lower() in {alias.lower() for alias in settings.protected_aliases}:
        return [Need(pb.REGISTERED_MODEL, request.name, pb.MANAGE, f" to change the protected alias {request.alias!r}")]
    return [Need(pb.REGISTERED_MODEL, request.name, pb.EDIT)]


async def _resolve_uri(request: Any, resolvers: Resolvers, settings: AuthSettings) -> list[Need]:
    if not request.uri.startswith(MODEL_URI):
        return []
    name = request.uri[len(MODEL_URI):].strip("/").partition("/")[0].partition("@")[0]
    return [Need(pb.REGISTERED_MODEL, name, pb.READ)] if name else []


def _location(role: int) -> Rule:
    async def rule(request: Any, resolvers: Resolvers, settings: AuthSettings) -> list[Need]:
        if "header" in request.DESCRIPTOR.fields_by_name:
            if not request.HasField("header"):
                return []  # a chunk after the header: checked with the header
            uri = request.header.artifact_uri
        else:
            uri = request.artifact_uri
        if uri.startswith(EXPERIMENT_LOCATION):
            experiment = uri[len(EXPERIMENT_LOCATION):].partition("/")[0]
            return [Need(pb.EXPERIMENT, experiment, role)] if experiment else []
        if uri.startswith(MODEL_LOCATION) and role >= pb.EDIT:
            # Versions' snapshots are written only by the registry (SnapshotArtifacts).
            return [Need(pb.SYSTEM, "", pb.MANAGE, " to change a model version's files")]
        return []
    return rule


READ, EDIT, MANAGE = pb.READ, pb.EDIT, pb.MANAGE

RULES: dict[str, Rule] = {
    **{TRACKING + name: rule for name, rule in {
        "CreateExperiment": _nothing, "SearchExperiments": _nothing, "GetExperimentByName": _nothing,
        "GetExperiment": _experiment("experiment_id", READ), "UpdateExperiment": _experiment("experiment_id", EDIT),
        "SetExperimentTag": _experiment("experiment_id", EDIT),
        "DeleteExperimentTag": _experiment("experiment_id", EDIT),
        "DeleteExperiment": _experiment("experiment_id", MANAGE),
        "RestoreExperiment": _experiment("experiment_id", MANAGE),
        "CreateRun": _experiment("experiment_id", EDIT), "SearchRuns": _search_runs,
        "GetRun": _run(READ), "GetMetricHistory": _run(READ), "GetMetricHistoryBulk": _history_bulk,
        **{name: _run(EDIT) for name in ("UpdateRun", "DeleteRun", "RestoreRun", "SetTag", "DeleteTag", "LogParam",
                                         "LogMetric", "LogBatch", "StreamMetrics", "LogInputs")},
    }.items()},
    **{REGISTRY + name: rule for name, rule in {
        "CreateRegisteredModel": _nothing, "SearchRegisteredModels": _nothing, "SearchModelVersions": _nothing,
        "ResolveModelUri": _resolve_uri, "TransitionModelVersionStage": _transition,
        "SetRegisteredModelAlias": _alias, "DeleteRegisteredModelAlias": _alias,
        **{name: _model(READ) for name in ("GetRegisteredModel", "GetModelVersion", "GetLatestVersions",
                                           "GetModelVersionDownloadUri", "GetModelVersionByAlias", "GetHistory")},
        **{name: _model(EDIT) for name in ("UpdateRegisteredModel", "SetRegisteredModelTag",
                                           "DeleteRegisteredModelTag", "CreateModelVersion", "UpdateModelVersion",
                                           "DeleteModelVersion", "SetModelVersionTag", "DeleteModelVersionTag")},
        **{name: _model(MANAGE) for name in ("RenameRegisteredModel", "DeleteRegisteredModel")},
    }.items()},
    ARTIFACTS + "DownloadArtifact": _location(READ), ARTIFACTS + "ListArtifacts": _location(READ),
    ARTIFACTS + "UploadArtifact": _location(EDIT), ARTIFACTS + "DeleteArtifacts": _location(EDIT),
}

#: Calls a service makes for its caller: allowed only when a service forwards them (or to an admin).
SERVICE_ONLY = {ARTIFACTS + "SnapshotArtifacts", ARTIFACTS + "PurgeArtifacts"}

#: Calls only an administrator may make, whatever roles the caller holds (purge: docs/purge.md).
ADMIN_ONLY = {TRACKING + "PurgeRun", TRACKING + "PurgeExperiment", REGISTRY + "PurgeModelVersion"}

#: Streaming requests checked message by message (the resource is in each message).
CHECKED_PER_MESSAGE = {TRACKING + "StreamMetrics", ARTIFACTS + "UploadArtifact"}


def is_open(method: str) -> bool:
    """Whether `method` is served without authentication."""
    return method.startswith(OPEN_PREFIXES)


def authenticated_only(method: str) -> bool:
    """Whether any authenticated principal may call `method`."""
    return method.startswith(AUTHENTICATED_SERVICES)

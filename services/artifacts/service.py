"""How the artifacts service plugs into the shared scaffolding: schema, projector, servicers."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from mlledger.services.artifacts.api import ArtifactApi, add_to_server
from mlledger.services.artifacts.locations import Roots
from mlledger.services.artifacts.operations import Artifacts
from mlledger.services.artifacts.projector import ArtifactProjector
from mlledger.services.artifacts.purge import ArtifactPurge, purge_handlers
from mlledger.services.artifacts.schema import MIGRATIONS
from mlledger.services.core.server import ServiceRuntime
from mlledger.services.eventstore.projection import Projector
from mlledger.services.eventstore.redaction import Redacting
from mlledger.services.eventstore.schema import Migration
from mlledger.v1 import artifacts_pb2


class ArtifactsService:
    """The artifacts service definition."""

    name = "artifacts"
    migrations: Sequence[Migration] = MIGRATIONS

    def projector(self, schema: str) -> Projector:
        return Redacting(ArtifactProjector(schema), purge_handlers(schema))

    def register(self, server: grpc.aio.Server, runtime: ServiceRuntime) -> Sequence[str]:
        assert runtime.store is not None, "the runtime opens the store before registering servicers"
        roots = Roots(runtime.settings)
        artifacts = Artifacts(runtime.store, roots)
        purge = ArtifactPurge(runtime.store, roots, artifacts._location_lock)
        add_to_server(ArtifactApi(artifacts, purge), server)
        return [artifacts_pb2.DESCRIPTOR.services_by_name["ArtifactService"].full_name]


def definition() -> ArtifactsService:
    return ArtifactsService()

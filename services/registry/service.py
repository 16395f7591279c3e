"""How the registry service plugs into the shared scaffolding: schema, projector, servicers."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from mlledger.services.core.server import ServiceRuntime
from mlledger.services.eventstore.projection import Projector
from mlledger.services.eventstore.schema import Migration
from mlledger.services.registry.api import RegistryApi
from mlledger.services.registry.projector import MIGRATIONS, RegistryProjector
from mlledger.services.registry.reads import RegistryReads
from mlledger.services.registry.writes import RegistryWrites
from mlledger.v1 import registry_pb2, registry_pb2_grpc


class RegistryService:
    """The registry service definition."""

    name = "registry"
    migrations: Sequence[Migration] = MIGRATIONS

    def projector(self, schema: str) -> Projector:
        return RegistryProjector(schema)

    def register(self, server: grpc.aio.Server, runtime: ServiceRuntime) -> Sequence[str]:
        assert runtime.store is not None, "the runtime opens the store before registering servicers"
        api = RegistryApi(RegistryWrites(runtime.store, runtime), RegistryReads(runtime.store))
        registry_pb2_grpc.add_RegistryServiceServicer_to_server(api, server)
        return [registry_pb2.DESCRIPTOR.services_by_name["RegistryService"].full_name]


def definition() -> RegistryService:
    return RegistryService()

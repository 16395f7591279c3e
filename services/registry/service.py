"""How the registry service plugs into the shared scaffolding: schema, projector, servicers."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from mlledger.services.core.server import ServiceRuntime
from mlledger.services.deployer.api import DeploymentApi
from mlledger.services.eventstore.projection import Projector
from mlledger.services.eventstore.redaction import Redacting
from mlledger.services.eventstore.schema import Migration
from mlledger.services.registry.api import RegistryApi
from mlledger.services.registry.projector import RegistryProjector
from mlledger.services.registry.purge import RegistryPurge, purge_handlers
from mlledger.services.registry.reads import RegistryReads
from mlledger.services.registry.registration import PendingRegistrations, Registration
from mlledger.services.registry.schema import MIGRATIONS
from mlledger.services.registry.writes import RegistryWrites
from mlledger.services.webhooks.api import WebhookApi
from mlledger.services.webhooks.delivery import Dispatcher
from mlledger.services.webhooks.projector import CompositeProjector, WebhookProjector
from mlledger.services.webhooks.schema import MIGRATIONS as WEBHOOK_MIGRATIONS
from mlledger.v1 import deployments_pb2, deployments_pb2_grpc, registry_pb2, registry_pb2_grpc, webhooks_pb2, webhooks_pb2_grpc


class RegistryService:
    """The registry service definition."""

    name = "registry"
    migrations: Sequence[Migration] = [*MIGRATIONS, *WEBHOOK_MIGRATIONS]

    def projector(self, schema: str) -> Projector:
        return Redacting(CompositeProjector(RegistryProjector(schema), WebhookProjector(schema)), purge_handlers(schema))

    def register(self, server: grpc.aio.Server, runtime: ServiceRuntime) -> Sequence[str]:
        assert runtime.store is not None, "the runtime opens the store before registering servicers"
        # Versions whose snapshot is too large to take during the call, or that a crash left pending.
        pending = PendingRegistrations(runtime.store, runtime)
        pending.start()
        runtime.on_stop.append(pending.stop)
        api = RegistryApi(RegistryWrites(runtime.store, runtime), RegistryReads(runtime.store),
                          RegistryPurge(runtime.store, runtime), Registration(runtime.store, runtime, pending))
        registry_pb2_grpc.add_RegistryServiceServicer_to_server(api, server)
        webhooks = WebhookApi(runtime.store)
        if runtime.settings.nats_url:
            # The registry hosts the built-in webhook subscriber beside the webhook definitions.
            dispatcher = Dispatcher(runtime.store, runtime.settings.nats_url, runtime.settings.stream)
            webhooks.stream_head = dispatcher.stream_head
            dispatcher.start()
            runtime.on_stop.append(dispatcher.stop)
        webhooks_pb2_grpc.add_WebhookServiceServicer_to_server(webhooks, server)
        deployments_pb2_grpc.add_DeploymentServiceServicer_to_server(DeploymentApi(runtime.store), server)
        return [registry_pb2.DESCRIPTOR.services_by_name["RegistryService"].full_name,
                webhooks_pb2.DESCRIPTOR.services_by_name["WebhookService"].full_name,
                deployments_pb2.DESCRIPTOR.services_by_name["DeploymentService"].full_name]


def definition() -> RegistryService:
    return RegistryService()

"""How the tracking service plugs into the shared scaffolding: schema, projector, servicers."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from mlledger.services.core.server import ServiceRuntime
from mlledger.services.eventstore.projection import NullProjector, Projector
from mlledger.services.eventstore.schema import Migration


class TrackingService:
    """The tracking service definition."""

    name = "tracking"
    migrations: Sequence[Migration] = ()

    def projector(self, schema: str) -> Projector:
        return NullProjector()

    def register(self, server: grpc.aio.Server, runtime: ServiceRuntime) -> Sequence[str]:
        return []


def definition() -> TrackingService:
    return TrackingService()

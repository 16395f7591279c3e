"""The gRPC services every mlledger service exposes besides its own: event log and discovery."""

from __future__ import annotations

import grpc

from mlledger import errors
from mlledger.services.core.config import Settings
from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.v1 import common_pb2, common_pb2_grpc, events_pb2, events_pb2_grpc

MAX_EVENTS_PER_PAGE = 1000
DEFAULT_EVENTS_PER_PAGE = 100


class EventLogApi(events_pb2_grpc.EventLogServiceServicer):
    """Reads this service's event log in global order."""

    def __init__(self, store: PostgresEventStore, service: str) -> None:
        self.store = store
        self.service = service

    async def ReadEvents(  # gRPC method name
        self, request: events_pb2.ReadEventsRequest, context: grpc.aio.ServicerContext
    ) -> events_pb2.ReadEventsResponse:
        if request.limit < 0 or request.limit > MAX_EVENTS_PER_PAGE:
            raise errors.InvalidArgument("limit", f"must be between 0 and {MAX_EVENTS_PER_PAGE}, got {request.limit}")
        if request.after_position < 0:
            raise errors.InvalidArgument("after_position", f"must not be negative, got {request.after_position}")
        events = await self.store.read_all(
            after_position=request.after_position,
            limit=request.limit or DEFAULT_EVENTS_PER_PAGE,
            until_position=request.until_position or None,
            stream=request.stream or None,
        )
        return events_pb2.ReadEventsResponse(
            events=[event.to_proto(self.service) for event in events],
            last_position=events[-1].position if events else request.after_position,
        )


class DiscoveryApi(common_pb2_grpc.DiscoveryServiceServicer):
    """Tells a client configured with one address where the other services listen."""

    def __init__(self, settings: Settings, version: str) -> None:
        self.settings = settings
        self.version = version

    async def GetEndpoints(
        self, request: common_pb2.GetEndpointsRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.GetEndpointsResponse:
        endpoints = dict(self.settings.endpoints)
        endpoints[self.settings.service] = self.settings.endpoints.get(self.settings.service, self.settings.address)
        return common_pb2.GetEndpointsResponse(
            endpoints=[common_pb2.ServiceEndpoint(name=name, address=address) for name, address in sorted(endpoints.items())],
            server_version=self.version,
        )

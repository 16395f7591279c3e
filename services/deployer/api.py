"""DeploymentService: a deployer records what it did as events in the registry's log."""

from __future__ import annotations

import grpc

from mlledger import errors
from mlledger.services.eventstore.model import ANY, NewEvent
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.services.deployer import events
from mlledger.v1 import deployments_pb2 as pb, deployments_pb2_grpc


class DeploymentApi(deployments_pb2_grpc.DeploymentServiceServicer):
    """Appends deployment events; they have no read model (subscribe or read the stream)."""

    def __init__(self, store: PostgresEventStore) -> None:
        self.store = store

    async def RecordDeployment(self, request: pb.RecordDeploymentRequest,
                               context: grpc.aio.ServicerContext) -> pb.RecordDeploymentResponse:
        field = request.WhichOneof("event")
        if field is None:
            raise errors.InvalidArgument("event", "give one of started, succeeded, failed, rolled_back")
        payload = getattr(request, field)
        if not payload.deployment:
            raise errors.InvalidArgument(f"{field}.deployment", "must not be empty")
        if not payload.model_name:
            raise errors.InvalidArgument(f"{field}.model_name", "must not be empty")
        if payload.version <= 0:
            raise errors.InvalidArgument(f"{field}.version", f"must be positive, got {payload.version}")

        async def fn(tx: Transaction) -> pb.RecordDeploymentResponse:
            event = NewEvent(events.stream(payload.deployment), events.FIELDS[field], payload)
            await tx.append(event, expected_version=ANY)
            return pb.RecordDeploymentResponse(event_id=str(event.id))
        return await self.store.write(fn, pb.RecordDeploymentResponse)

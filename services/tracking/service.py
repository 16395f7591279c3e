"""How the tracking service plugs into the shared scaffolding: schema, projector, servicers."""

from __future__ import annotations

from collections.abc import Sequence

import grpc

from mlledger.services.core.server import ServiceRuntime
from mlledger.services.eventstore.planner_statistics import PlannerStatistics
from mlledger.services.eventstore.projection import Projector
from mlledger.services.eventstore.redaction import Redacting
from mlledger.services.eventstore.schema import Migration
from mlledger.services.tracking.api import TrackingApi
from mlledger.services.tracking.experiments import ExperimentCommands
from mlledger.services.tracking.ownership import RunOwnership
from mlledger.services.tracking.projector import TrackingProjector
from mlledger.services.tracking.purge import TrackingPurge, purge_handlers
from mlledger.services.tracking.queries import Queries
from mlledger.services.tracking.reads import TrackingReads
from mlledger.services.tracking.runs import RunCommands
from mlledger.services.tracking.schema import MIGRATIONS
from mlledger.v1 import tracking_pb2, tracking_pb2_grpc


class TrackingService:
    """The tracking service definition."""

    name = "tracking"
    migrations: Sequence[Migration] = MIGRATIONS

    def projector(self, schema: str) -> Projector:
        return Redacting(TrackingProjector(schema), purge_handlers(schema))

    def register(self, server: grpc.aio.Server, runtime: ServiceRuntime) -> Sequence[str]:
        store = runtime.store
        assert store is not None, "the runtime opens the event store before registering services"
        queries = Queries(store.schema)
        api = TrackingApi(ExperimentCommands(store, queries), RunCommands(store, queries), TrackingReads(store.pool, queries),
                          TrackingPurge(store, runtime.channel))
        tracking_pb2_grpc.add_TrackingServiceServicer_to_server(api, server)
        if runtime.auth is not None:
            runtime.auth.resolvers.run_experiment = RunOwnership(store.pool, store.schema).experiment_of
        # Searches right after a bulk load of runs must not wait a minute for autovacuum's statistics.
        statistics = PlannerStatistics(store.pool, store.projector.tables)
        statistics.start()
        runtime.on_stop.append(statistics.stop)
        return [tracking_pb2.DESCRIPTOR.services_by_name["TrackingService"].full_name]


def definition() -> TrackingService:
    return TrackingService()

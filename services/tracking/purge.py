"""Purging runs and experiments: their rows and artifacts deleted, their events redacted, the purge logged.

Order of a purge: the artifacts first (the artifact service redacts its own log), then one
transaction here that locks the rows, redacts the events of the run's (or experiment's) stream,
appends run.purged / experiment.purged (whose projection deletes the read-model rows) and forgets
stored answers of earlier calls that mention the run. A purge that fails half-way is retried as a
whole: every step is a no-op when already done. The artifacts are purged once more after the
commit, for files uploaded while the purge ran.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import grpc
from psycopg import AsyncConnection

from mlledger import errors
from mlledger.services.core.admin import require_admin
from mlledger.services.core.peer_purge import purge_artifacts
from mlledger.services.eventstore.model import Envelope, NewEvent
from mlledger.services.eventstore.redaction import PurgeHandler, redact
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.services.tracking import domain
from mlledger.services.tracking.schema import DEFAULT_EXPERIMENT_ID
from mlledger.v1 import tracking_pb2 as pb

RUN_PURGED = "run.purged"
EXPERIMENT_PURGED = "experiment.purged"
PAYLOADS = {RUN_PURGED: pb.RunPurged, EXPERIMENT_PURGED: pb.ExperimentPurged}
_RUN_TABLES = ("runs", "run_tags", "params", "latest_metrics", "metric_chunks", "run_inputs")
_EXPERIMENT_TABLES = ("experiments", "experiment_tags")


def purge_handlers(schema: str) -> dict[str, PurgeHandler]:
    """The projection of the purge events: the read-model rows of the purged run or experiment go."""
    async def run_purged(conn: AsyncConnection, event: Envelope) -> None:
        for table in _RUN_TABLES:
            await conn.execute(f"DELETE FROM {schema}.{table} WHERE run_id = %s", (event.payload.run_id,))

    async def experiment_purged(conn: AsyncConnection, event: Envelope) -> None:
        for table in _EXPERIMENT_TABLES:
            await conn.execute(f"DELETE FROM {schema}.{table} WHERE experiment_id = %s",
                               (event.payload.experiment_id,))

    return {RUN_PURGED: run_purged, EXPERIMENT_PURGED: experiment_purged}


class TrackingPurge:
    """PurgeRun and PurgeExperiment (administrators only)."""

    def __init__(self, store: PostgresEventStore, channel: Callable[[str], grpc.aio.Channel]) -> None:
        self.store = store
        self.schema = store.schema
        self.channel = channel

    async def _location(self, sql: str, key: str, kind: str) -> str:
        async with self.store.pool.connection() as conn:
            row = await (await conn.execute(sql, (key,))).fetchone()
        if row is None:
            raise errors.NotFound(kind, key)
        return str(row[0])

    async def purge_run(self, request: pb.PurgeRunRequest) -> pb.PurgeRunResponse:
        require_admin("PurgeRun")
        run_id = request.run_id
        domain.check_id("run_id", run_id)
        location = await self._location(f"SELECT artifact_uri FROM {self.schema}.runs WHERE run_id = %s", run_id, "run")
        files = await purge_artifacts(self.channel, location)

        async def write(tx: Transaction) -> pb.PurgeRunResponse:
            row = await (await tx.conn.execute(
                f"SELECT experiment_id FROM {self.schema}.runs WHERE run_id = %s FOR UPDATE", (run_id,))).fetchone()
            if row is None:
                raise errors.NotFound("run", run_id)
            return pb.PurgeRunResponse(redacted_events=await self._purge_run(tx, run_id, str(row[0])))

        response = await self.store.write(write, pb.PurgeRunResponse)
        response.artifact_files = files + await purge_artifacts(self.channel, location)
        return response

    async def purge_experiment(self, request: pb.PurgeExperimentRequest) -> pb.PurgeExperimentResponse:
        require_admin("PurgeExperiment")
        experiment_id = request.experiment_id
        domain.check_id("experiment_id", experiment_id)
        if experiment_id == DEFAULT_EXPERIMENT_ID:
            raise errors.FailedPrecondition("the Default experiment cannot be purged; purge its runs instead",
                                            subject=f"experiment/{experiment_id}")
        location = await self._location(
            f"SELECT artifact_location FROM {self.schema}.experiments WHERE experiment_id = %s", experiment_id,
            "experiment")
        files = await purge_artifacts(self.channel, location)

        async def write(tx: Transaction) -> pb.PurgeExperimentResponse:
            found = await (await tx.conn.execute(
                f"SELECT 1 FROM {self.schema}.experiments WHERE experiment_id = %s FOR UPDATE",
                (experiment_id,))).fetchone()
            if found is None:
                raise errors.NotFound("experiment", experiment_id)
            rows = await (await tx.conn.execute(
                f"SELECT run_id FROM {self.schema}.runs WHERE experiment_id = %s ORDER BY run_id FOR UPDATE",
                (experiment_id,))).fetchall()
            run_ids = [str(row[0]) for row in rows]
            total = 0
            for run_id in run_ids:
                total += await self._purge_run(tx, run_id, experiment_id)
            event_id = uuid.uuid4()
            own = await redact(tx.conn, self.schema, event_id, streams=[f"experiment/{experiment_id}"])
            payload = pb.ExperimentPurged(experiment_id=experiment_id, run_ids=run_ids, redacted_events=own)
            await tx.append(NewEvent(f"experiment/{experiment_id}", EXPERIMENT_PURGED, payload, id=event_id))
            return pb.PurgeExperimentResponse(run_ids=run_ids, redacted_events=total + own)

        response = await self.store.write(write, pb.PurgeExperimentResponse)
        response.artifact_files = files + await purge_artifacts(self.channel, location)
        return response

    async def _purge_run(self, tx: Transaction, run_id: str, experiment_id: str) -> int:
        """Redact the run's events, log run.purged (its projection deletes the rows); returns the count redacted."""
        event_id = uuid.uuid4()
        redacted = await redact(tx.conn, self.schema, event_id, streams=[f"run/{run_id}"])
        payload = pb.RunPurged(run_id=run_id, experiment_id=experiment_id, redacted_events=redacted)
        await tx.append(NewEvent(f"run/{run_id}", RUN_PURGED, payload, id=event_id))
        # Stored answers of earlier writes (kept for idempotent retries) may hold the run's data.
        await tx.conn.execute(f"DELETE FROM {self.schema}.requests WHERE position(%s::bytea in response) > 0",
                              (run_id.encode(),))
        return redacted

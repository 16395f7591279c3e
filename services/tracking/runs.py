"""Run writes: create, update, delete, restore, tags, params, metric batches and inputs.

Every write validates the whole request, then loads the run's row under a lock (NOT_FOUND when
unknown, FAILED_PRECONDITION when deleted), and only then appends events, so a rejected batch
stores nothing.
"""

from __future__ import annotations

from collections.abc import Sequence


from mlledger import errors
from mlledger.services.core import context as request_context
from mlledger.services.eventstore import errors as store_errors
from mlledger.services.eventstore.model import NO_STREAM, NewEvent, new_id
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.services.tracking import domain
from mlledger.services.tracking import events as ev
from mlledger.services.tracking.queries import Queries
from mlledger.services.tracking.schema import (
    DEFAULT_EXPERIMENT_ID, DELETED_EXPERIMENT_SQLSTATE, UNKNOWN_EXPERIMENT_SQLSTATE,
)
from mlledger.v1 import tracking_pb2 as pb


class RunCommands:
    """The write side of runs."""

    def __init__(self, store: PostgresEventStore, queries: Queries) -> None:
        self.store = store
        self.queries = queries
        self.schema = store.schema
        #: experiment id -> artifact location; safe to keep forever as neither ever changes.
        self._locations: dict[str, str] = {}

    async def _run(self, tx: Transaction, run_id: str, *, lock: str = "SHARE", live: bool = True) -> str:
        """The run's lifecycle stage, locked for this transaction; raises for unknown (or deleted) runs."""
        domain.check_id("run_id", run_id)
        cursor = await tx.conn.execute(
            f"SELECT lifecycle_stage FROM {self.schema}.runs WHERE run_id = %s FOR {lock}", (run_id,))
        row = await cursor.fetchone()
        if row is None:
            raise errors.NotFound("run", run_id)
        if live and row[0] == "DELETED":
            raise errors.FailedPrecondition(f"run {run_id!r} is deleted; restore it before writing to it",
                                            subject=f"run/{run_id}")
        return str(row[0])

    async def create(self, request: pb.CreateRunRequest) -> pb.CreateRunResponse:
        domain.check_name("run_name", request.run_name, required=False)
        tags = domain.check_create_tags("tags", request.tags)
        experiment_id = request.experiment_id or DEFAULT_EXPERIMENT_ID
        start = request.start_time.ToMilliseconds() if request.HasField("start_time") else domain.now_ms()

        async def write(tx: Transaction) -> pb.CreateRunResponse:
            location = await self._experiment_location(tx, experiment_id)
            run_tags = list(tags)
            if request.parent_run_id:
                await self._run(tx, request.parent_run_id, live=False)
                run_tags.append(pb.Tag(key=domain.PARENT_RUN_TAG, value=request.parent_run_id))
            run_id = new_id()
            payload = pb.RunCreated(
                run_id=run_id, experiment_id=experiment_id, run_name=request.run_name or f"run-{run_id[:8]}",
                status=pb.RUNNING, start_time=domain.timestamp(start), tags=run_tags,
                user_id=request.user_id or request_context.current().actor,
                artifact_uri=domain.run_artifact_uri(location, run_id), parent_run_id=request.parent_run_id)
            await tx.append(ev.run_event(run_id, ev.RUN_CREATED, payload), expected_version=NO_STREAM)
            info = pb.RunInfo(
                run_id=run_id, experiment_id=experiment_id, run_name=payload.run_name, status=pb.RUNNING,
                start_time=payload.start_time, artifact_uri=payload.artifact_uri, lifecycle_stage=pb.ACTIVE,
                user_id=payload.user_id, parent_run_id=payload.parent_run_id)
            return pb.CreateRunResponse(run=pb.Run(info=info, data=pb.RunData(tags=payload.tags)))

        try:
            return await self.store.write(write, pb.CreateRunResponse)
        except store_errors.StatementRefused as exc:
            if exc.condition == UNKNOWN_EXPERIMENT_SQLSTATE:
                raise errors.NotFound("experiment", experiment_id) from exc
            if exc.condition == DELETED_EXPERIMENT_SQLSTATE:
                raise _deleted_experiment(experiment_id) from exc
            raise

    async def _experiment_location(self, tx: Transaction, experiment_id: str) -> str:
        """The experiment's artifact location, checking that it exists and is live.

        Locations never change, so after the first lookup only the liveness check remains, and it
        is sent without waiting for its result (a failure aborts the transaction at commit).
        """
        known = self._locations.get(experiment_id)
        if known is not None:
            await tx.conn.execute(f"SELECT {self.schema}.require_live_experiment(%s)", (experiment_id,))
            return known
        # Key-share lock, as in require_live_experiment: a concurrent deletion cannot commit in between.
        cursor = await tx.conn.execute(
            f"SELECT artifact_location, lifecycle_stage FROM {self.schema}.experiments WHERE experiment_id = %s "
            "FOR KEY SHARE", (experiment_id,))
        row = await cursor.fetchone()
        if row is None:
            raise errors.NotFound("experiment", experiment_id)
        if row[1] == "DELETED":
            raise _deleted_experiment(experiment_id)
        self._locations[experiment_id] = str(row[0])
        return str(row[0])

    async def update(self, request: pb.UpdateRunRequest) -> pb.UpdateRunResponse:
        if request.status:
            domain.check_status("status", request.status)
        if request.HasField("run_name"):
            domain.check_name("run_name", request.run_name, required=True)

        async def write(tx: Transaction) -> pb.UpdateRunResponse:
            await self._run(tx, request.run_id, lock="UPDATE")
            before = await self.queries.run_info(tx.conn, request.run_id)
            payload = domain.run_update(before, request, domain.now_ms())  # type: ignore[arg-type]
            if payload is not None:
                await tx.append(ev.run_event(request.run_id, ev.RUN_UPDATED, payload))
            return pb.UpdateRunResponse(run_info=await self.queries.run_info(tx.conn, request.run_id))

        return await self.store.write(write, pb.UpdateRunResponse)

    async def set_stage(self, run_id: str, deleted: bool) -> None:
        """Soft-delete or restore; doing it twice is a no-op."""
        async def write(tx: Transaction) -> pb.DeleteRunResponse:
            stage = await self._run(tx, run_id, lock="UPDATE", live=False)
            if (stage == "DELETED") != deleted:
                payload = pb.RunDeleted(run_id=run_id) if deleted else pb.RunRestored(run_id=run_id)
                await tx.append(ev.run_event(run_id, ev.RUN_DELETED if deleted else ev.RUN_RESTORED, payload))
            return pb.DeleteRunResponse()

        await self.store.write(write, pb.DeleteRunResponse)

    async def delete_tag(self, request: pb.DeleteTagRequest) -> pb.DeleteTagResponse:
        domain.check_key("key", request.key)

        async def write(tx: Transaction) -> pb.DeleteTagResponse:
            await self._run(tx, request.run_id)
            cursor = await tx.conn.execute(
                f"SELECT 1 FROM {self.schema}.run_tags WHERE run_id = %s AND key = %s", (request.run_id, request.key))
            if await cursor.fetchone() is None:
                raise errors.NotFound("run tag", request.key)
            payload = pb.RunTagDeleted(run_id=request.run_id, key=request.key)
            await tx.append(ev.run_event(request.run_id, ev.RUN_TAG_DELETED, payload))
            return pb.DeleteTagResponse()

        return await self.store.write(write, pb.DeleteTagResponse)

    async def log_batch(self, request: pb.LogBatchRequest, *, field_prefix: str = "", param_field: str = "params",
                        request_id: str | None = None) -> pb.LogBatchResponse:
        """Store metrics, params and tags atomically (one event per kind present)."""
        points = domain.check_series(f"{field_prefix}metrics", request.metrics)
        params = domain.check_params(f"{field_prefix}params", request.params)
        tags = domain.check_tags(f"{field_prefix}tags", request.tags)

        async def write(tx: Transaction) -> pb.LogBatchResponse:
            await self._run(tx, request.run_id, lock="UPDATE" if params else "SHARE")
            fresh = await self._fresh_params(tx, request.run_id, params, param_field and f"{field_prefix}{param_field}")
            batch = _batch_events(request.run_id, fresh, tags, request.metrics if points else [])
            if batch:
                await tx.append(batch)
            return pb.LogBatchResponse(metric_points=points, params=len(fresh), tags=len(tags))

        return await self.store.write(write, pb.LogBatchResponse, request_id=request_id)

    async def _fresh_params(self, tx: Transaction, run_id: str, params: list[pb.Param], field: str) -> list[pb.Param]:
        if not params:
            return []
        cursor = await tx.conn.execute(
            f"SELECT key, value FROM {self.schema}.params WHERE run_id = %s AND key = ANY(%s)",
            (run_id, [param.key for param in params]))
        logged = {key: value for key, value in await cursor.fetchall()}
        return domain.new_params(field, params, logged)

    async def log_inputs(self, request: pb.LogInputsRequest) -> pb.LogInputsResponse:
        domain.check_inputs("datasets", request.datasets)

        async def write(tx: Transaction) -> pb.LogInputsResponse:
            await self._run(tx, request.run_id)
            cursor = await tx.conn.execute(
                f"SELECT name, digest, context FROM {self.schema}.run_inputs WHERE run_id = %s", (request.run_id,))
            seen = {tuple(row) for row in await cursor.fetchall()}
            fresh = []
            for item in request.datasets:
                identity = (item.dataset.name, item.dataset.digest, item.context)
                if identity not in seen:
                    seen.add(identity)
                    fresh.append(item)
            for group in ev.sized_groups(fresh):
                payload = pb.RunInputsLogged(run_id=request.run_id, datasets=group)
                await tx.append(ev.run_event(request.run_id, ev.RUN_INPUTS_LOGGED, payload))
            return pb.LogInputsResponse()

        return await self.store.write(write, pb.LogInputsResponse)


def _deleted_experiment(experiment_id: str) -> errors.FailedPrecondition:
    return errors.FailedPrecondition(f"experiment {experiment_id!r} is deleted; restore it first",
                                     subject=f"experiment/{experiment_id}")


def _batch_events(run_id: str, params: list[pb.Param], tags: list[pb.Tag],
                  series: Sequence[pb.MetricSeries]) -> list[NewEvent]:
    """Events of one batch: params, tags, then metrics (one event unless the batch is very large)."""
    events = [ev.run_event(run_id, ev.RUN_PARAMS_LOGGED, pb.RunParamsLogged(run_id=run_id, params=group))
              for group in ev.sized_groups(params)]
    events += [ev.run_event(run_id, ev.RUN_TAG_SET, pb.RunTagSet(run_id=run_id, tags=group))
               for group in ev.sized_groups(tags)]
    if series:
        events += [ev.run_event(run_id, ev.RUN_METRICS_LOGGED, pb.RunMetricsLogged(run_id=run_id, metrics=group))
                   for group in ev.metric_groups(series)]
    return events

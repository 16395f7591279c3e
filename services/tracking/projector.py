"""Applies tracking events to the read models; the same code runs live and on rebuild."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from psycopg import AsyncConnection

from mlledger.services.eventstore.model import Envelope
from mlledger.services.tracking import events as ev
from mlledger.services.tracking import metrics
from mlledger.services.tracking.domain import millis, status_name
from mlledger.services.tracking.schema import READ_MODEL_TABLES
from mlledger.v1 import tracking_pb2 as pb

Handler = Callable[[AsyncConnection, Any, Envelope], Awaitable[None]]


class TrackingProjector:
    """Maintains experiments, runs, params, tags, latest metrics, metric chunks and inputs."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.tables: Sequence[str] = tuple(f"{schema}.{table}" for table in READ_MODEL_TABLES)
        #: Run events whose handlers below never read event.time: their writes take the append lock at commit.
        self.time_free_events: frozenset[str] = frozenset({
            ev.RUN_CREATED, ev.RUN_UPDATED, ev.RUN_DELETED, ev.RUN_RESTORED, ev.RUN_TAG_SET, ev.RUN_TAG_DELETED,
            ev.RUN_PARAMS_LOGGED, ev.RUN_METRICS_LOGGED,
        })
        self._handlers: dict[str, Handler] = {
            ev.EXPERIMENT_CREATED: self._experiment_created, ev.EXPERIMENT_RENAMED: self._experiment_renamed,
            ev.EXPERIMENT_DELETED: self._experiment_stage, ev.EXPERIMENT_RESTORED: self._experiment_stage,
            ev.EXPERIMENT_TAG_SET: self._experiment_tag_set, ev.EXPERIMENT_TAG_DELETED: self._experiment_tag_deleted,
            ev.RUN_CREATED: self._run_created, ev.RUN_UPDATED: self._run_updated,
            ev.RUN_DELETED: self._run_stage, ev.RUN_RESTORED: self._run_stage,
            ev.RUN_TAG_SET: self._run_tag_set, ev.RUN_TAG_DELETED: self._run_tag_deleted,
            ev.RUN_PARAMS_LOGGED: self._params_logged, ev.RUN_METRICS_LOGGED: self._metrics_logged,
            ev.RUN_INPUTS_LOGGED: self._inputs_logged,
        }

    async def apply(self, conn: AsyncConnection, event: Envelope) -> None:
        handler = self._handlers.get(event.type)
        if handler is not None:
            await handler(conn, event.payload, event)

    async def _experiment_created(self, conn: AsyncConnection, p: pb.ExperimentCreated, event: Envelope) -> None:
        at = millis(event.stamped)
        await conn.execute(
            f"INSERT INTO {self.schema}.experiments VALUES (%s, %s, %s, 'ACTIVE', %s, %s)",
            (p.experiment_id, p.name, p.artifact_location, at, at))
        await self._upsert_tags(conn, "experiment_tags", "experiment_id", p.experiment_id, p.tags)

    async def _experiment_renamed(self, conn: AsyncConnection, p: pb.ExperimentRenamed, event: Envelope) -> None:
        await conn.execute(
            f"UPDATE {self.schema}.experiments SET name = %s, last_update_time = %s WHERE experiment_id = %s",
            (p.new_name, millis(event.stamped), p.experiment_id))

    async def _experiment_stage(self, conn: AsyncConnection, p: Any, event: Envelope) -> None:
        stage = "DELETED" if event.type == ev.EXPERIMENT_DELETED else "ACTIVE"
        await conn.execute(
            f"UPDATE {self.schema}.experiments SET lifecycle_stage = %s, last_update_time = %s WHERE experiment_id = %s",
            (stage, millis(event.stamped), p.experiment_id))

    async def _experiment_tag_set(self, conn: AsyncConnection, p: pb.ExperimentTagSet, event: Envelope) -> None:
        await self._upsert_tags(conn, "experiment_tags", "experiment_id", p.experiment_id, [p.tag])

    async def _experiment_tag_deleted(self, conn: AsyncConnection, p: pb.ExperimentTagDeleted, event: Envelope) -> None:
        await conn.execute(
            f"DELETE FROM {self.schema}.experiment_tags WHERE experiment_id = %s AND key = %s", (p.experiment_id, p.key))

    async def _run_created(self, conn: AsyncConnection, p: pb.RunCreated, event: Envelope) -> None:
        # One statement for the run and its tags: run creation is latency-bound on round trips.
        last = {tag.key: tag.value for tag in p.tags}
        await conn.execute(
            f"""WITH run AS (INSERT INTO {self.schema}.runs VALUES (%s, %s, %s, %s, %s, NULL, %s, 'ACTIVE', %s, %s))
                INSERT INTO {self.schema}.run_tags SELECT %s, * FROM unnest(%s::text[], %s::text[])""",
            (p.run_id, p.experiment_id, p.run_name, status_name(p.status), p.start_time.ToMilliseconds(),
             p.artifact_uri, p.user_id, p.parent_run_id, p.run_id, list(last), list(last.values())))

    async def _run_updated(self, conn: AsyncConnection, p: pb.RunUpdated, event: Envelope) -> None:
        await conn.execute(
            f"""UPDATE {self.schema}.runs SET status = coalesce(%s, status), end_time = coalesce(%s, end_time),
                    run_name = coalesce(%s, run_name) WHERE run_id = %s""",
            (status_name(p.status) if p.status else None,
             p.end_time.ToMilliseconds() if p.HasField("end_time") else None,
             p.run_name if p.HasField("run_name") else None, p.run_id))

    async def _run_stage(self, conn: AsyncConnection, p: Any, event: Envelope) -> None:
        stage = "DELETED" if event.type == ev.RUN_DELETED else "ACTIVE"
        await conn.execute(f"UPDATE {self.schema}.runs SET lifecycle_stage = %s WHERE run_id = %s", (stage, p.run_id))

    async def _run_tag_set(self, conn: AsyncConnection, p: pb.RunTagSet, event: Envelope) -> None:
        await self._upsert_tags(conn, "run_tags", "run_id", p.run_id, p.tags)

    async def _run_tag_deleted(self, conn: AsyncConnection, p: pb.RunTagDeleted, event: Envelope) -> None:
        await conn.execute(f"DELETE FROM {self.schema}.run_tags WHERE run_id = %s AND key = %s", (p.run_id, p.key))

    async def _params_logged(self, conn: AsyncConnection, p: pb.RunParamsLogged, event: Envelope) -> None:
        await conn.execute(
            f"""INSERT INTO {self.schema}.params SELECT %s, * FROM unnest(%s::text[], %s::text[])
                ON CONFLICT (run_id, key) DO NOTHING""",
            (p.run_id, *_sorted_columns((param.key, param.value) for param in p.params)))

    async def _metrics_logged(self, conn: AsyncConnection, p: pb.RunMetricsLogged, event: Envelope) -> None:
        chunks: list[tuple[Any, ...]] = []
        latest: dict[str, tuple[float, int, int]] = {}
        for part, series in enumerate(p.metrics):
            points = metrics.from_series(series)
            if not len(points):
                continue
            chunks.append((series.key, part, *metrics.chunk_row(points)))
            value, step, time = metrics.latest(points)
            known = latest.get(series.key)
            if known is None or (step, time, value) >= (known[1], known[2], known[0]):
                latest[series.key] = (value, step, time)
        if not chunks:
            return
        columns = [list(column) for column in zip(*chunks)]
        await conn.execute(
            f"""INSERT INTO {self.schema}.metric_chunks SELECT %s, key, %s, part, points, min_step, max_step,
                    steps, timestamps, vals
                FROM unnest(%s::text[], %s::int[], %s::int[], %s::int8[], %s::int8[], %s::bytea[], %s::bytea[],
                            %s::bytea[]) AS c(key, part, points, min_step, max_step, steps, timestamps, vals)""",
            (p.run_id, event.id, *columns))
        # Keys in sorted order: concurrent batches then lock the same rows in the same order.
        await self._upsert_latest(conn, p.run_id, dict(sorted(latest.items())))

    async def _upsert_latest(self, conn: AsyncConnection, run_id: str, latest: dict[str, tuple[float, int, int]]) -> None:
        # The row comparison keeps the point with the highest (step, timestamp, value), as reads expect.
        await conn.execute(
            f"""INSERT INTO {self.schema}.latest_metrics AS m
                SELECT %s, * FROM unnest(%s::text[], %s::float8[], %s::int8[], %s::int8[])
                ON CONFLICT (run_id, key) DO UPDATE
                SET value = excluded.value, step = excluded.step, timestamp_ms = excluded.timestamp_ms
                WHERE (excluded.step, excluded.timestamp_ms, excluded.value) >= (m.step, m.timestamp_ms, m.value)""",
            (run_id, list(latest), [v[0] for v in latest.values()], [v[1] for v in latest.values()],
             [v[2] for v in latest.values()]))

    async def _inputs_logged(self, conn: AsyncConnection, p: pb.RunInputsLogged, event: Envelope) -> None:
        rows = [(item.dataset.name, item.dataset.digest, item.context, index, item.SerializeToString())
                for index, item in enumerate(p.datasets)]
        columns = [list(column) for column in zip(*rows)]
        await conn.execute(
            f"""INSERT INTO {self.schema}.run_inputs SELECT %s, name, digest, context, %s, ordinal, input
                FROM unnest(%s::text[], %s::text[], %s::text[], %s::int[], %s::bytea[])
                     AS i(name, digest, context, ordinal, input)
                ON CONFLICT DO NOTHING""",
            (p.run_id, event.stamped, *columns))

    async def _upsert_tags(self, conn: AsyncConnection, table: str, id_column: str, owner: str,
                           tags: Sequence[pb.Tag]) -> None:
        if not tags:
            return
        # The last value of each key wins; rows are upserted in key order, so concurrent writers
        # lock them in the same order and cannot deadlock.
        last = dict(sorted({tag.key: tag.value for tag in tags}.items()))
        await conn.execute(
            f"""INSERT INTO {self.schema}.{table} SELECT %s, * FROM unnest(%s::text[], %s::text[])
                ON CONFLICT ({id_column}, key) DO UPDATE SET value = excluded.value""",
            (owner, list(last), list(last.values())))


def _sorted_columns(pairs: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Keys and values as two columns in key order (so concurrent inserts lock rows in one order)."""
    ordered = sorted(pairs)
    return [key for key, _ in ordered], [value for _, value in ordered]

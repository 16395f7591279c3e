"""Read-side SQL over the tracking read models: experiments, runs with their data, metric chunks."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, sql

from mlledger.services.tracking import metrics
from mlledger.services.tracking.domain import timestamp
from mlledger.services.tracking.filter_parser import parse_filter, parse_order_by
from mlledger.services.tracking.filter_sql import EXPERIMENTS, RUNS, Compiled, Compiler, Part
from mlledger.v1 import tracking_pb2 as pb

_EXPERIMENT_COLUMNS = "experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time"
_RUN_COLUMNS = ("run_id, experiment_id, run_name, status, start_time, end_time, artifact_uri, lifecycle_stage, "
                "user_id, parent_run_id")

_RUN_SELECT = sql.SQL(", ".join(f"r.{c.strip()}" for c in _RUN_COLUMNS.split(",")))
#: Ties of the requested order go to the newest run, then to the smaller run id (as MLflow).
_RUN_ORDER = [("start_time", False), ("run_id", True)]

_DATA_QUERY = """
SELECT 0, run_id, key, value, NULL::float8, NULL::int8, NULL::int8, NULL::bytea, NULL::timestamptz, 0
  FROM {schema}.params WHERE run_id = ANY(%(ids)s)
UNION ALL
SELECT 1, run_id, key, value, NULL, NULL, NULL, NULL, NULL, 0 FROM {schema}.run_tags WHERE run_id = ANY(%(ids)s)
UNION ALL
SELECT 2, run_id, key, NULL, value, timestamp_ms, step, NULL, NULL, 0
  FROM {schema}.latest_metrics WHERE run_id = ANY(%(ids)s)
UNION ALL
SELECT 3, run_id, '', NULL, NULL, NULL, NULL, input, logged_at, ordinal
  FROM {schema}.run_inputs WHERE run_id = ANY(%(ids)s)
ORDER BY 1, 2, 3, 9, 10
"""


class Queries:
    """Reads for one schema; every method takes the connection (pool or write transaction) to use."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    async def experiments(self, conn: AsyncConnection, where: str, params: tuple[Any, ...]) -> list[pb.Experiment]:
        """Experiments matching a fixed condition (written here, never from user text)."""
        cursor = await conn.execute(
            f"SELECT {_EXPERIMENT_COLUMNS} FROM {self.schema}.experiments e WHERE {where}", params)  # type: ignore[arg-type]
        return await self._with_experiment_tags(conn, await cursor.fetchall())

    async def experiment(self, conn: AsyncConnection, experiment_id: str) -> pb.Experiment | None:
        found = await self.experiments(conn, "experiment_id = %s", (experiment_id,))
        return found[0] if found else None

    async def experiment_by_name(self, conn: AsyncConnection, name: str) -> pb.Experiment | None:
        found = await self.experiments(conn, "name = %s", (name,))
        return found[0] if found else None

    async def search_experiments(self, conn: AsyncConnection, filter_text: str, order_by: list[str],
                                 stages: list[str], limit: int, offset: int) -> list[pb.Experiment]:
        """One page (limit + 1 rows, to tell whether another page follows)."""
        compiler = Compiler(self.schema, EXPERIMENTS)
        condition = compiler.condition(parse_filter(filter_text))
        keys = [parse_order_by(text, f"order_by[{i}]") for i, text in enumerate(order_by)]
        joins, ordering, order_params = compiler.order(keys, [("creation_time", False), ("experiment_id", True)])
        query = sql.SQL("SELECT {columns} FROM {table} e{joins} WHERE e.lifecycle_stage = ANY(%s) AND {condition} "
                        "ORDER BY {ordering} LIMIT %s OFFSET %s").format(
            columns=sql.SQL(", ".join(f"e.{c.strip()}" for c in _EXPERIMENT_COLUMNS.split(","))),
            table=sql.Identifier(self.schema, "experiments"), joins=joins, condition=condition.sql, ordering=ordering)
        cursor = await conn.execute(query, [*order_params, stages, *condition.params, limit + 1, offset])
        return await self._with_experiment_tags(conn, await cursor.fetchall())

    async def _with_experiment_tags(self, conn: AsyncConnection, rows: list[tuple[Any, ...]]) -> list[pb.Experiment]:
        ids = [row[0] for row in rows]
        cursor = await conn.execute(
            f"SELECT experiment_id, key, value FROM {self.schema}.experiment_tags WHERE experiment_id = ANY(%s) "
            "ORDER BY key", (ids,))
        tags: dict[str, list[pb.Tag]] = defaultdict(list)
        for owner, key, value in await cursor.fetchall():
            tags[owner].append(pb.Tag(key=key, value=value))
        return [
            pb.Experiment(experiment_id=row[0], name=row[1], artifact_location=row[2],
                          lifecycle_stage=pb.LifecycleStage.Value(row[3]), tags=tags[row[0]],
                          creation_time=timestamp(row[4]), last_update_time=timestamp(row[5]))
            for row in rows
        ]

    async def run_info(self, conn: AsyncConnection, run_id: str) -> pb.RunInfo | None:
        cursor = await conn.execute(f"SELECT {_RUN_COLUMNS} FROM {self.schema}.runs WHERE run_id = %s", (run_id,))
        row = await cursor.fetchone()
        return None if row is None else _run_info(row)

    async def runs(self, conn: AsyncConnection, run_ids: list[str]) -> list[pb.Run]:
        """Full runs (info, params, latest metrics, tags, inputs) in the order of `run_ids`."""
        cursor = await conn.execute(f"SELECT {_RUN_COLUMNS} FROM {self.schema}.runs WHERE run_id = ANY(%s)", (run_ids,))
        rows = {row[0]: row for row in await cursor.fetchall()}
        return await self._with_data(conn, [rows[run_id] for run_id in run_ids if run_id in rows])

    async def search_runs(self, conn: AsyncConnection, experiment_ids: list[str], filter_text: str,
                          order_by: list[str], stages: list[str], limit: int, offset: int) -> list[pb.Run]:
        """One page of runs (limit + 1 rows, to tell whether another page follows).

        The sorted matches come in consecutive parts (`Compiler.parts`). A page that ends inside
        the first part, the usual case, is that part's one query. A page that reaches past it is
        read again part after part within one snapshot, so that no run changing parts meanwhile
        (a tag set or deleted) shows twice or goes missing.
        """
        compiler = Compiler(self.schema, RUNS)
        search = _RunSearch(experiment_ids, stages, compiler.condition(parse_filter(filter_text)))
        keys = [parse_order_by(text, f"order_by[{i}]") for i, text in enumerate(order_by)]
        parts = compiler.parts(keys, _RUN_ORDER)
        rows = await self._part_rows(conn, parts[0], search, limit + 1, offset)
        if len(rows) <= limit and len(parts) > 1:
            async with _one_snapshot(conn):
                rows = await self._rows_across(conn, parts, search, limit + 1, offset)
        return await self._with_data(conn, rows)

    async def _rows_across(self, conn: AsyncConnection, parts: list[Part], search: _RunSearch, limit: int,
                           offset: int) -> list[tuple[Any, ...]]:
        """`limit` rows from `offset` on of the parts read one after the other."""
        rows: list[tuple[Any, ...]] = []
        for index, part in enumerate(parts):
            found = await self._part_rows(conn, part, search, limit - len(rows), offset)
            rows += found
            if len(rows) == limit or index == len(parts) - 1:
                break
            if found or not offset:
                offset = 0
            else:  # the offset lies beyond this part: skip its rows
                offset -= await self._part_count(conn, part, search)
        return rows

    # The queries of a search are never prepared (psycopg prepares a statement from its fifth
    # execution on): PostgreSQL would soon reuse a generic plan, made without knowing the page size
    # or the values compared, which sorts every match where the page needs a walk along an index.

    def _part_matches(self, part: Part, search: _RunSearch) -> tuple[sql.Composable, list[Any]]:
        """(FROM ... WHERE ..., its parameters) of the runs in one part of a search."""
        matches = sql.SQL("FROM {table} r{joins} WHERE r.experiment_id = ANY(%s) AND r.lifecycle_stage = ANY(%s) "
                          "AND {condition} AND {restriction}").format(
            table=sql.Identifier(self.schema, "runs"), joins=part.joins, condition=search.condition.sql,
            restriction=part.restriction.sql)
        return matches, [*part.params, search.experiment_ids, search.stages, *search.condition.params,
                         *part.restriction.params]

    async def _part_rows(self, conn: AsyncConnection, part: Part, search: _RunSearch, limit: int,
                         offset: int) -> list[tuple[Any, ...]]:
        matches, params = self._part_matches(part, search)
        query = sql.SQL("SELECT {columns} {matches} ORDER BY {ordering} LIMIT %s OFFSET %s").format(
            columns=_RUN_SELECT, matches=matches, ordering=part.terms)
        cursor = await conn.execute(query, [*params, limit, offset], prepare=False)
        return await cursor.fetchall()

    async def _part_count(self, conn: AsyncConnection, part: Part, search: _RunSearch) -> int:
        matches, params = self._part_matches(part, search)
        cursor = await conn.execute(sql.SQL("SELECT count(*) ") + matches, params, prepare=False)
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _with_data(self, conn: AsyncConnection, rows: list[tuple[Any, ...]]) -> list[pb.Run]:
        # One round trip for params, tags, latest metrics and inputs of every run on the page; each
        # entry is built in place (add) rather than built and then copied in (append).
        ids = [row[0] for row in rows]
        runs = {row[0]: pb.Run(info=_run_info(row)) for row in rows}
        cursor = await conn.execute(_DATA_QUERY.replace("{schema}", self.schema), {"ids": ids})  # type: ignore[arg-type]
        for kind, run_id, key, text, number, time, step, blob, _, _ in await cursor.fetchall():
            data = runs[run_id].data
            if kind == 0:
                data.params.add(key=key, value=text)
            elif kind == 1:
                data.tags.add(key=key, value=text)
            elif kind == 2:
                data.metrics.add(key=key, value=number, timestamp_ms=time, step=step)
            else:
                runs[run_id].inputs.dataset_inputs.append(pb.DatasetInput.FromString(bytes(blob)))
        return [runs[run_id] for run_id in ids]

    async def metric_points(self, conn: AsyncConnection, run_ids: list[str], key: str,
                            step_range: tuple[float | None, float | None] | None = None) -> dict[str, metrics.Points]:
        """Every point of `key` for each run, ordered by (step, timestamp); with `step_range` (low, high),
        only the chunks that reach into that range are read (the caller cuts the points)."""
        low, high = step_range or (None, None)
        chunks: dict[str, list[tuple[bytes, bytes, bytes]]] = defaultdict(list)
        async with conn.cursor(binary=True) as cursor:
            await cursor.execute(
                f"""SELECT run_id, steps, timestamps, "values" FROM {self.schema}.metric_chunks
                    WHERE run_id = ANY(%s) AND key = %s
                      AND (%s::float8 IS NULL OR max_step >= %s::float8)
                      AND (%s::float8 IS NULL OR min_step <= %s::float8)""", (run_ids, key, low, low, high, high))
            for run_id, steps, times, values in await cursor.fetchall():
                chunks[run_id].append((steps, times, values))
        return {run_id: metrics.ordered(metrics.from_chunks(chunks.get(run_id, []))) for run_id in run_ids}


@dataclass(frozen=True)
class _RunSearch:
    """What a search matches, whatever its order: the experiments, lifecycle stages and filter."""

    experiment_ids: list[str]
    stages: list[str]
    condition: Compiled


@contextlib.asynccontextmanager
async def _one_snapshot(conn: AsyncConnection) -> AsyncIterator[None]:
    """Statements inside see one snapshot of the database (a read-only REPEATABLE READ transaction)."""
    async with conn.transaction():
        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _run_info(row: tuple[Any, ...]) -> pb.RunInfo:
    run_id, experiment_id, name, status, start, end, uri, stage, user, parent = row
    return pb.RunInfo(
        run_id=run_id, experiment_id=experiment_id, run_name=name, status=pb.RunStatus.Value(status),
        start_time=timestamp(start), end_time=timestamp(end), artifact_uri=uri,
        lifecycle_stage=pb.LifecycleStage.Value(stage), user_id=user, parent_run_id=parent)

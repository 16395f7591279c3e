"""Read-side SQL: registry state loaded from the read models into the domain's dataclasses.

Callers pass the schema; every value from a request travels as a query parameter.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from psycopg import AsyncConnection

from mlledger import errors
from mlledger.services.registry.domain import ModelState, StageChangeState, VersionState
from mlledger.v1 import registry_pb2 as pb

#: Sends statements to run right after a model's read, in its round trip (see load_model).
AfterLock = Callable[[], Awaitable[None]]

_VERSION_COLUMNS = ("model_id, version, source, run_id, description, status, status_message, stage, storage_location, "
                    "lineage, user_id, creation_time, last_updated_time, change_from, change_to, change_actor, "
                    "change_time, change_archived_by, model_format")


def _version(row: tuple[Any, ...], tags: dict[str, str]) -> VersionState:
    (_, number, source, run_id, description, status, message, stage, location, lineage, user_id, created, updated,
     change_from, change_to, change_actor, change_time, archived_by, model_format) = row
    change = None
    if change_time is not None:
        change = StageChangeState(change_from, change_to, change_actor, change_time, archived_by or 0)
    return VersionState(number, source, run_id, description, created, updated, user_id,
                        pb.ModelLineage.FromString(bytes(lineage)), tags, status, message, stage, location, change,
                        pb.ModelFormat.FromString(bytes(model_format)) if model_format is not None else None)


async def model_id(conn: AsyncConnection, schema: str, name: str, *, lock: bool = False) -> str:
    """The id of the live model called `name` (row-locked for the transaction with `lock`), or NotFound."""
    sql = f"SELECT model_id FROM {schema}.registered_models WHERE name = %s" + (" FOR UPDATE" if lock else "")
    row = await (await conn.execute(sql, (name,))).fetchone()
    if row is None:
        raise errors.NotFound("registered model", name)
    return str(row[0])


async def name_taken(conn: AsyncConnection, schema: str, name: str) -> bool:
    row = await (await conn.execute(f"SELECT 1 FROM {schema}.registered_models WHERE name = %s", (name,))).fetchone()
    return row is not None


def _versions_sql(schema: str, where: str) -> str:
    return (f"SELECT {_VERSION_COLUMNS}, (SELECT coalesce(json_object_agg(t.key, t.value), '{{}}') "
            f"FROM {schema}.model_version_tags t WHERE t.model_id = v.model_id AND t.version = v.version) "
            f"FROM {schema}.model_versions v WHERE {where}")


def _model_sql(schema: str, where: str, lock: bool) -> str:
    """One row per selected version (or one row of NULL version columns) of each matching model.

    Tags and aliases ride along as JSON objects, so a model read is a single round trip.
    """
    selected = _versions_sql(schema, f"""%(selecting)s AND v.model_id = m.model_id AND (
        v.version = ANY(%(numbers)s) OR v.stage = ANY(%(stages)s)
        OR (%(latest)s AND v.version = (SELECT max(w.version) FROM {schema}.model_versions w
                                       WHERE w.model_id = v.model_id AND w.stage = v.stage))
        OR v.version = (SELECT a.version FROM {schema}.model_aliases a
                        WHERE a.model_id = v.model_id AND a.alias = %(alias)s))""")
    return (f"""SELECT m.model_id, m.name, m.description, m.creation_time, m.last_updated_time, m.last_version,
                   (SELECT coalesce(json_object_agg(t.key, t.value), '{{}}') FROM {schema}.registered_model_tags t
                    WHERE t.model_id = m.model_id),
                   (SELECT coalesce(json_object_agg(a.alias, a.version), '{{}}') FROM {schema}.model_aliases a
                    WHERE a.model_id = m.model_id),
                   sel.*
                FROM {schema}.registered_models m LEFT JOIN LATERAL ({selected}) sel ON true
                WHERE {where}""" + (" FOR UPDATE OF m" if lock else ""))


async def _load(conn: AsyncConnection, schema: str, where: str, params: dict[str, Any], *, lock: bool = False,
                latest: bool = False, numbers: Sequence[int] = (), stages: Sequence[int] = (),
                alias: str = "", after_lock: AfterLock | None = None) -> dict[str, ModelState]:
    params = {**params, "selecting": bool(latest or numbers or stages or alias), "numbers": list(numbers),
              "stages": list(stages), "latest": latest, "alias": alias}
    if lock:
        # Lock first, read after: a statement that waited for the row lock re-reads only the locked
        # row, while its versions, tags and aliases would come from the snapshot taken before the
        # wait. A separate statement after the lock sees everything the previous holder committed.
        await conn.execute(f"SELECT 1 FROM {schema}.registered_models m WHERE {where} FOR UPDATE", params)
    read = await conn.execute(_model_sql(schema, where, False), params)
    if lock and after_lock is not None:
        # Sent behind the read, before its rows are fetched: same round trip, and the statements
        # (the write's append lock) run once the read is done, so that lock is held for less.
        await after_lock()
    rows = await read.fetchall()
    models: dict[str, ModelState] = {}
    versions: dict[str, dict[int, VersionState]] = defaultdict(dict)
    for row in rows:
        mid, name, description, created, updated, last, tags, aliases = row[:8]
        if mid not in models:
            models[mid] = ModelState(mid, name, description, created, updated, int(last), tags,
                                     {alias_name: int(v) for alias_name, v in aliases.items()}, versions[mid])
        if row[8] is not None:
            versions[mid][int(row[9])] = _version(row[8:-1], row[-1])
    return models


async def load_models(conn: AsyncConnection, schema: str, ids: Sequence[str], *, latest: bool = False,
                      numbers: Sequence[int] = (), stages: Sequence[int] = ()) -> dict[str, ModelState]:
    """Models by id with: the latest version per stage (`latest`), the versions `numbers` and the
    versions in `stages` (the last two only meaningful for one model)."""
    return await _load(conn, schema, "m.model_id = ANY(%(ids)s)", {"ids": list(ids)}, latest=latest,
                       numbers=numbers, stages=stages)


async def load_model(conn: AsyncConnection, schema: str, name: str, *, lock: bool = False, latest: bool = False,
                     numbers: Sequence[int] = (), stages: Sequence[int] = (), alias: str = "",
                     after_lock: AfterLock | None = None) -> ModelState:
    """The live model called `name` (row-locked with `lock`) with the versions asked for, or NotFound.

    `after_lock` sends statements right behind the read, in the same round trip (the write's append
    lock: see Transaction.lock_early); the read needs only the row lock."""
    models = await _load(conn, schema, "m.name = %(name)s", {"name": name}, lock=lock, latest=latest,
                         numbers=numbers, stages=stages, alias=alias, after_lock=after_lock)
    if not models:
        raise errors.NotFound("registered model", name)
    return next(iter(models.values()))


async def load_model_by_id(conn: AsyncConnection, schema: str, mid: str, *, lock: bool = False,
                           numbers: Sequence[int] = (), after_lock: AfterLock | None = None) -> ModelState:
    """The live model with id `mid` (row-locked with `lock`, `after_lock` as in load_model), or NotFound."""
    models = await _load(conn, schema, "m.model_id = %(mid)s", {"mid": mid}, lock=lock, numbers=numbers,
                         after_lock=after_lock)
    if not models:
        raise errors.NotFound("registered model", mid)
    return models[mid]


async def load_version_pairs(conn: AsyncConnection, schema: str,
                             pairs: Sequence[tuple[str, int]]) -> list[tuple[ModelState, VersionState]]:
    """(model, version) for each (model_id, version) pair, in the order given."""
    models = await load_models(conn, schema, sorted({mid for mid, _ in pairs}))
    rows = await (await conn.execute(
        _versions_sql(schema, "(v.model_id, v.version) IN (SELECT * FROM unnest(%s::text[], %s::bigint[]))"),
        ([p[0] for p in pairs], [p[1] for p in pairs]))).fetchall()
    versions: dict[str, dict[int, VersionState]] = defaultdict(dict)
    for row in rows:
        versions[row[0]][int(row[1])] = _version(row[:-1], row[-1])
    return [(dataclasses.replace(models[mid], versions=versions[mid]), versions[mid][number])
            for mid, number in pairs if number in versions.get(mid, {})]


async def model_id_of(pool: Any, schema: str, name: str) -> str:
    """The id of the live model called `name`, or NotFound (checked before slower work)."""
    async with pool.connection() as conn:
        return await model_id(conn, schema, name)


async def search_models(conn: AsyncConnection, schema: str, where: str, params: list[Any], order: str, limit: int,
                        offset: int) -> list[str]:
    """Ids of the models matching a compiled filter, one page plus one row (to tell if more follow)."""
    rows = await (await conn.execute(
        f"SELECT m.model_id FROM {schema}.registered_models m WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s",
        (*params, limit + 1, offset))).fetchall()
    return [row[0] for row in rows]


async def search_versions(conn: AsyncConnection, schema: str, where: str, params: list[Any], order: str, limit: int,
                          offset: int) -> list[tuple[str, int]]:
    """(model_id, version) of the versions matching a compiled filter, one page plus one row."""
    rows = await (await conn.execute(
        f"SELECT v.model_id, v.version FROM {schema}.model_versions v "
        f"JOIN {schema}.registered_models m USING (model_id) WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s",
        (*params, limit + 1, offset))).fetchall()
    return [(row[0], int(row[1])) for row in rows]


async def pending_versions(pool: Any, schema: str, limit: int = 100) -> list[tuple[str, int]]:
    """(model_id, version) of versions still PENDING_REGISTRATION, oldest first."""
    async with pool.connection() as conn:
        # The status as a literal: the partial index model_versions_pending matches it in every plan.
        rows = await (await conn.execute(
            f"SELECT model_id, version FROM {schema}.model_versions WHERE status = {int(pb.PENDING_REGISTRATION)} "
            "ORDER BY creation_time LIMIT %s", (limit,))).fetchall()
    return [(str(row[0]), int(row[1])) for row in rows]

"""A model's history from the log: its events, and its state as of a past time or position,
folded with the same domain code (domain.evolve) the live read model mirrors."""

from __future__ import annotations

import datetime as dt

from mlledger import errors
from mlledger.services.eventstore.model import RecordedEvent, envelope_of
from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.services.registry import domain, events as ev
from mlledger.v1 import registry_pb2 as pb

PAGE = 1000


async def resolve_position(store: PostgresEventStore, as_of: pb.AsOf) -> int:
    """The log position an AsOf names: the given position, or the last event at or before the time."""
    point = as_of.WhichOneof("point")
    if point == "position":
        if as_of.position < 1:
            raise errors.InvalidArgument("as_of.position", f"positions start at 1, got {as_of.position}")
        return as_of.position
    if point != "time":
        raise errors.InvalidArgument("as_of", "set either time or position")
    async with store.pool.connection() as conn:
        row = await (await conn.execute(
            f"SELECT coalesce(max(position), 0) FROM {store.schema}.events WHERE time <= %s",
            (as_of.time.ToDatetime(tzinfo=dt.timezone.utc),))).fetchone()
    return int(row[0])  # type: ignore[index]


async def model_id_at(store: PostgresEventStore, name: str, position: int) -> str:
    """The id of the model that was called `name` at `position`, or NotFound."""
    s = store.schema
    async with store.pool.connection() as conn:
        row = await (await conn.execute(
            f"""SELECT n.model_id FROM {s}.model_names n
                JOIN {s}.events started ON started.id = n.started_event
                LEFT JOIN {s}.events ended ON ended.id = n.ended_event
                WHERE n.name = %s AND started.position <= %s AND (ended.position IS NULL OR ended.position > %s)
                ORDER BY started.position DESC LIMIT 1""", (name, position, position))).fetchone()
    if row is None:
        raise errors.NotFound("registered model", name,
                              f"registered model {name!r} did not exist at position {position}")
    return str(row[0])


async def model_id_ever(store: PostgresEventStore, name: str) -> str:
    """The model now called `name`, else the last one that was (e.g. since deleted), or NotFound."""
    s = store.schema
    async with store.pool.connection() as conn:
        row = await (await conn.execute(
            f"""SELECT n.model_id FROM {s}.model_names n JOIN {s}.events started ON started.id = n.started_event
                WHERE n.name = %s ORDER BY (n.ended_event IS NULL) DESC, started.position DESC LIMIT 1""",
            (name,))).fetchone()
    if row is None:
        raise errors.NotFound("registered model", name)
    return str(row[0])


async def _read(store: PostgresEventStore, after: int, until: int | None, limit: int,
                **where: str) -> list[RecordedEvent]:
    result: list[RecordedEvent] = []
    while len(result) < limit:
        batch = await store.read_all(after_position=after, until_position=until, limit=min(PAGE, limit - len(result)),
                                     **where)  # type: ignore[arg-type]
        result += batch
        if len(batch) < PAGE:
            break
        after = batch[-1].position
    return result


async def model_events(store: PostgresEventStore, model_id: str, *, version: int = 0, after: int = 0,
                       until: int | None = None, limit: int = 10**9) -> list[RecordedEvent]:
    """The model's events (and its versions'), or one version's, in log order."""
    if version:
        return await _read(store, after, until, limit, stream=ev.version_stream(model_id, version))
    own = await _read(store, after, until, limit, stream=ev.model_stream(model_id))
    versions = await _read(store, after, until, limit, stream_prefix=ev.version_stream_prefix(model_id))
    return sorted(own + versions, key=lambda event: event.position)[:limit]


async def state_at(store: PostgresEventStore, name: str, as_of: pb.AsOf) -> tuple[domain.ModelState, int]:
    """The model called `name` as it was at the AsOf point, and that point's position."""
    position = await resolve_position(store, as_of)
    model_id = await model_id_at(store, name, position)
    state = domain.fold(envelope_of(event) for event in await model_events(store, model_id, until=position))
    if state is None or state.deleted:
        raise errors.NotFound("registered model", name)
    return state, position

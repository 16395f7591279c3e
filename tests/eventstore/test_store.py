"""The event store against a real PostgreSQL: appends, versions, idempotency, reads, rebuild."""

from __future__ import annotations

import asyncio
import random

import pytest

from mlledger import errors
from mlledger.services.core import context as request_context
from mlledger.services.eventstore import ANY, NO_STREAM, NewEvent, PostgresEventStore
from mlledger.v1 import common_pb2

from .conftest import SCHEMA, bump

Response = common_pb2.GetEndpointsResponse


def appending(stream: str, name: str, expected: int = ANY, count: int = 1):
    async def fn(tx):
        await tx.append([NewEvent(stream, "counter.bumped", bump(name)) for _ in range(count)], expected_version=expected)
        return Response(server_version=name)

    return fn


async def counters(store: PostgresEventStore) -> dict[str, int]:
    async with store.pool.connection() as conn:
        cursor = await conn.execute(f"SELECT name, total FROM {SCHEMA}.counters ORDER BY name")
        return dict(await cursor.fetchall())


async def test_append_assigns_versions_and_positions(store):
    """Events get per-stream versions 1..n and increasing global positions."""
    await store.write(appending("counter/a", "a", NO_STREAM, count=3), Response)
    await store.write(appending("counter/b", "b", NO_STREAM), Response)
    await store.write(appending("counter/a", "a", 3), Response)
    stream_a = await store.read_stream("counter/a")
    assert [e.stream_version for e in stream_a] == [1, 2, 3, 4]
    everything = await store.read_all()
    assert [e.position for e in everything] == sorted(e.position for e in everything)
    assert [e.stream for e in everything] == ["counter/a"] * 3 + ["counter/b", "counter/a"]
    assert await counters(store) == {"a": 4, "b": 1}


async def test_wrong_expected_version_is_a_conflict_and_writes_nothing(store):
    """A stale expected version raises ConcurrencyConflict and leaves events and read model untouched."""
    await store.write(appending("counter/a", "a", NO_STREAM), Response)
    with pytest.raises(errors.ConcurrencyConflict):
        await store.write(appending("counter/a", "a", NO_STREAM), Response)
    assert len(await store.read_stream("counter/a")) == 1
    assert await counters(store) == {"a": 1}


async def test_two_racing_writers_exactly_one_wins(store):
    """Of many writers appending to one stream at the same expected version, exactly one succeeds."""
    await store.write(appending("counter/race", "race", NO_STREAM), Response)

    async def contender(i: int):
        await asyncio.sleep(random.random() * 0.01)
        return await store.write(appending("counter/race", f"w{i}", expected=1), Response)

    results = await asyncio.gather(*(contender(i) for i in range(12)), return_exceptions=True)
    winners = [r for r in results if isinstance(r, Response)]
    losers = [r for r in results if isinstance(r, errors.ConcurrencyConflict)]
    assert len(winners) == 1 and len(losers) == 11
    assert [e.stream_version for e in await store.read_stream("counter/race")] == [1, 2]


async def test_request_id_makes_a_retry_a_no_op(store):
    """A write repeated with the same request id returns the first response and appends nothing."""
    first = await store.write(appending("counter/i", "first"), Response, request_id="req-1")
    again = await store.write(appending("counter/i", "second"), Response, request_id="req-1")
    assert first == again and again.server_version == "first"
    assert len(await store.read_stream("counter/i")) == 1


async def test_concurrent_duplicates_apply_once(store):
    """The same request sent concurrently many times is applied once; all callers get its response."""
    results = await asyncio.gather(
        *(store.write(appending("counter/dup", "dup"), Response, request_id="req-dup") for _ in range(8))
    )
    assert {r.server_version for r in results} == {"dup"}
    assert len(await store.read_stream("counter/dup")) == 1


async def test_request_id_reused_for_another_call_is_refused(store):
    """Reusing an idempotency key for a call with a different response type is INVALID_ARGUMENT."""
    await store.write(appending("counter/x", "x"), Response, request_id="req-x")
    with pytest.raises(errors.InvalidArgument) as caught:
        await store.write(appending("counter/x", "x"), common_pb2.ServiceEndpoint, request_id="req-x")
    assert caught.value.field == "x-mlledger-request-id"


async def test_events_carry_the_actor_and_correlation_id(store):
    """The caller's identity and correlation id are recorded on every event."""
    token = request_context.activate(request_context.RequestContext(actor="alice", correlation_id="corr-7"))
    try:
        await store.write(appending("counter/who", "who"), Response)
    finally:
        request_context.reset(token)
    [event] = await store.read_stream("counter/who")
    assert (event.actor, event.correlation_id) == ("alice", "corr-7")
    envelope = event.to_proto("demo")
    assert envelope.payload.type_url.endswith("mlledger.v1.ServiceEndpoint")


async def test_failed_callback_rolls_back_read_model_and_events(store):
    """An error raised after appending leaves neither events nor read-model changes behind."""

    async def failing(tx):
        await tx.append(NewEvent("counter/f", "counter.bumped", bump("f")))
        raise errors.InvalidArgument("name", "rejected after the append")

    with pytest.raises(errors.InvalidArgument):
        await store.write(failing, Response)
    assert await store.read_stream("counter/f") == []
    assert await counters(store) == {}


async def test_read_all_filters_and_bounds(store):
    """read_all honours after/until positions, an exact stream and a stream prefix."""
    for name in ("p/1", "p/2", "q/1"):
        await store.write(appending(name, name), Response)
    everything = await store.read_all()
    assert [e.stream for e in await store.read_all(stream_prefix="p/")] == ["p/1", "p/2"]
    assert [e.stream for e in await store.read_all(stream="q/1")] == ["q/1"]
    middle = await store.read_all(after_position=everything[0].position, until_position=everything[1].position)
    assert [e.stream for e in middle] == ["p/2"]
    assert await store.head_position() == everything[-1].position


async def test_rebuild_equals_live_read_model(store):
    """Dropping the read model and replaying the log reproduces the live state exactly."""
    for i in range(60):
        await store.write(appending(f"counter/{i % 7}", f"c{i % 5}"), Response)
    live = await counters(store)
    async with store.pool.connection() as conn:
        await conn.execute(f"UPDATE {SCHEMA}.counters SET total = -1")  # corrupt it
    replayed = await store.rebuild(batch_size=16)
    assert replayed == 60
    assert await counters(store) == live


async def test_an_event_too_large_to_publish_is_refused(store):
    """An event whose payload could not fit a NATS message is refused before anything is written."""
    from mlledger.services.eventstore.postgres import MAX_PAYLOAD_BYTES

    async def huge(tx):
        payload = common_pb2.ServiceEndpoint(name="big", address="x" * (MAX_PAYLOAD_BYTES + 1))
        await tx.append(NewEvent("counter/big", "counter.bumped", payload))
        return Response()

    with pytest.raises(errors.ResourceExhausted) as caught:
        await store.write(huge, Response)
    assert caught.value.limit == "event_payload_bytes"
    assert await store.read_stream("counter/big") == []


async def test_a_retry_refused_by_the_new_state_returns_the_first_answer(store):
    """A retried create whose stream now exists (a conflict) answers as the first attempt did."""
    first = await store.write(appending("counter/once", "once", NO_STREAM), Response, request_id="req-once")
    again = await store.write(appending("counter/once", "twice", NO_STREAM), Response, request_id="req-once")
    assert again == first
    assert len(await store.read_stream("counter/once")) == 1


async def test_a_retry_whose_rules_now_refuse_returns_the_first_answer(store):
    """A retried write that the domain now rejects (e.g. already deleted) answers as the first attempt did."""
    deleted: set[str] = set()

    async def delete(tx):
        if "thing" in deleted:
            raise errors.FailedPrecondition("thing is already deleted")
        deleted.add("thing")
        await tx.append(NewEvent("counter/thing", "counter.bumped", bump("deleted")))
        return Response(server_version="deleted")

    first = await store.write(delete, Response, request_id="req-delete")
    assert await store.write(delete, Response, request_id="req-delete") == first
    with pytest.raises(errors.FailedPrecondition):
        await store.write(delete, Response, request_id="req-other")

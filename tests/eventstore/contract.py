"""The contract every event store adapter must pass, written against the port alone.

An adapter's test module subclasses `EventStoreContract` and provides the `event_store` fixture
(a fresh, empty store); `test_postgres_contract.py` runs it against the PostgreSQL adapter.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import pytest

from mlledger import errors
from mlledger.services.core import context as request_context
from mlledger.services.eventstore import ANY, NO_STREAM, EventStore, NewEvent, UnitOfWork
from mlledger.services.eventstore import errors as store_errors
from mlledger.services.eventstore.port import MAX_PAYLOAD_BYTES
from mlledger.v1 import common_pb2

Response = common_pb2.GetEndpointsResponse
Write = Callable[[UnitOfWork], Awaitable[Response]]


def payload(name: str) -> common_pb2.ServiceEndpoint:
    """Any generated message serves as an event payload."""
    return common_pb2.ServiceEndpoint(name=name, address=uuid.uuid4().hex)


def appending(stream: str, name: str, expected: int = ANY, count: int = 1) -> Write:
    """A write appending `count` events to `stream`, answering with `name`."""
    async def fn(tx: UnitOfWork) -> Response:
        await tx.append([NewEvent(stream, "thing.happened", payload(name)) for _ in range(count)],
                        expected_version=expected)
        return Response(server_version=name)

    return fn


class EventStoreContract:
    """Behaviour every `EventStore` adapter promises; subclass and provide `event_store`."""

    @pytest.fixture
    async def event_store(self) -> EventStore:
        raise NotImplementedError("an adapter's test class provides a fresh store")

    async def test_streams_are_versioned_and_the_log_ordered(self, event_store: EventStore) -> None:
        """Events get per-stream versions 1..n and strictly increasing global positions."""
        await event_store.write(appending("s/a", "a", NO_STREAM, count=2), Response)
        await event_store.write(appending("s/b", "b", NO_STREAM), Response)
        await event_store.write(appending("s/a", "a", 2), Response)
        assert [e.stream_version for e in await event_store.read_stream("s/a")] == [1, 2, 3]
        everything = await event_store.read_all()
        positions = [e.position for e in everything]
        assert positions == sorted(set(positions)) and [e.stream for e in everything] == ["s/a", "s/a", "s/b", "s/a"]
        assert await event_store.head_position() == positions[-1]

    async def test_a_stale_expected_version_conflicts_and_writes_nothing(self, event_store: EventStore) -> None:
        """A mismatched expected version raises WriteConflict (a ConcurrencyConflict); nothing is appended."""
        await event_store.write(appending("s/c", "c", NO_STREAM), Response)
        with pytest.raises(store_errors.WriteConflict) as caught:
            await event_store.write(appending("s/c", "c", NO_STREAM), Response)
        assert isinstance(caught.value, errors.ConcurrencyConflict)
        assert len(await event_store.read_stream("s/c")) == 1

    async def test_of_racing_writers_at_one_version_exactly_one_wins(self, event_store: EventStore) -> None:
        """Concurrent writers expecting the same version: one succeeds, the others conflict."""
        await event_store.write(appending("s/race", "r", NO_STREAM), Response)
        results = await asyncio.gather(*(event_store.write(appending("s/race", f"w{i}", 1), Response)
                                         for i in range(6)), return_exceptions=True)
        assert sum(isinstance(r, Response) for r in results) == 1
        assert sum(isinstance(r, store_errors.WriteConflict) for r in results) == 5
        assert len(await event_store.read_stream("s/race")) == 2

    async def test_a_request_id_makes_a_retry_return_the_first_answer(self, event_store: EventStore) -> None:
        """A write repeated with its request id answers as the first did and appends nothing."""
        first = await event_store.write(appending("s/i", "first"), Response, request_id="key-1")
        again = await event_store.write(appending("s/i", "second"), Response, request_id="key-1")
        assert again == first and again.server_version == "first"
        assert len(await event_store.read_stream("s/i")) == 1

    async def test_a_request_id_used_for_another_call_is_refused(self, event_store: EventStore) -> None:
        """Reusing a request id for a call with another response type raises RequestIdReused naming the key."""
        await event_store.write(appending("s/k", "k"), Response, request_id="key-2")
        with pytest.raises(store_errors.RequestIdReused) as caught:
            await event_store.write(appending("s/k", "k"), common_pb2.ServiceEndpoint, request_id="key-2")
        assert caught.value.field == "x-mlledger-request-id"

    async def test_events_carry_the_calls_actor_and_correlation_id(self, event_store: EventStore) -> None:
        """The request context's actor and correlation id are stamped on every event appended."""
        token = request_context.activate(request_context.RequestContext(actor="dana", correlation_id="corr-9"))
        try:
            await event_store.write(appending("s/who", "who", count=2), Response)
        finally:
            request_context.reset(token)
        recorded = await event_store.read_stream("s/who")
        assert {(e.actor, e.correlation_id) for e in recorded} == {("dana", "corr-9")}

    async def test_a_failing_write_leaves_no_event(self, event_store: EventStore) -> None:
        """An error raised after appending rolls the whole write back and is raised unchanged."""
        async def failing(tx: UnitOfWork) -> Response:
            await tx.append(NewEvent("s/f", "thing.happened", payload("f")))
            raise errors.FailedPrecondition("refused after the append")

        with pytest.raises(errors.FailedPrecondition):
            await event_store.write(failing, Response)
        assert await event_store.read_stream("s/f") == []

    async def test_reads_filter_by_stream_prefix_and_bounds(self, event_store: EventStore) -> None:
        """read_all honours after/until positions, an exact stream and a prefix; read_stream after a version."""
        for stream in ("p/1", "p/2", "q/1"):
            await event_store.write(appending(stream, stream), Response)
        await event_store.write(appending("p/1", "again"), Response)
        everything = await event_store.read_all()
        assert [e.stream for e in await event_store.read_all(stream_prefix="p/")] == ["p/1", "p/2", "p/1"]
        assert [e.stream for e in await event_store.read_all(stream="q/1")] == ["q/1"]
        middle = await event_store.read_all(after_position=everything[0].position,
                                            until_position=everything[2].position)
        assert [e.stream for e in middle] == ["p/2", "q/1"]
        assert [e.stream for e in await event_store.read_all(limit=2)] == ["p/1", "p/2"]
        assert [e.stream_version for e in await event_store.read_stream("p/1", after_version=1)] == [2]

    async def test_a_payload_too_large_to_publish_is_refused(self, event_store: EventStore) -> None:
        """An event over MAX_PAYLOAD_BYTES raises StoreLimitExceeded and nothing is written."""
        async def huge(tx: UnitOfWork) -> Response:
            big = common_pb2.ServiceEndpoint(name="big", address="x" * (MAX_PAYLOAD_BYTES + 1))
            await tx.append(NewEvent("s/big", "thing.happened", big))
            return Response()

        with pytest.raises(store_errors.StoreLimitExceeded) as caught:
            await event_store.write(huge, Response)
        assert caught.value.limit == "event_payload_bytes"
        assert await event_store.read_stream("s/big") == []

    async def test_a_recorded_event_decodes_to_its_payload(self, event_store: EventStore) -> None:
        """What is read back is what was appended: type, payload type and payload bytes."""
        sent = payload("round-trip")

        async def fn(tx: UnitOfWork) -> Response:
            await tx.append(NewEvent("s/rt", "thing.happened", sent))
            return Response()

        await event_store.write(fn, Response)
        [event] = await event_store.read_stream("s/rt")
        assert event.type == "thing.happened" and event.payload_type == "mlledger.v1.ServiceEndpoint"
        assert event.decode(common_pb2.ServiceEndpoint) == sent

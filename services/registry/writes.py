"""The registry's write path: load the model (row-locked), let the rules decide the events,
append them (the projector updates the read model in the same transaction), answer from the
state the same events produce. Every transaction here touches only the database, so each is
written `database_only` (see PostgresEventStore.write), and each sends the append lock right
behind its one read (Transaction.lock_early): a registry write is two round trips, the read and
the commit. Creating a version, which also snapshots files, is in registration.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from google.protobuf.message import Message

from mlledger import errors
from mlledger.services.core.server import ServiceRuntime
from mlledger.services.eventstore import errors as store_errors
from mlledger.services.eventstore.model import ANY, NO_STREAM, NewEvent, new_id
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.services.registry import domain, encode, queries, rules
from mlledger.v1 import registry_pb2 as pb

R = TypeVar("R", bound=Message)


class RegistryWrites:
    """Commands on registered models and versions."""

    def __init__(self, store: PostgresEventStore, runtime: ServiceRuntime) -> None:
        self.store = store
        self.runtime = runtime
        self.s = store.schema

    async def _apply(self, tx: Transaction, model: domain.ModelState,
                     events: NewEvent | Sequence[NewEvent], *, expected_version: int = ANY) -> domain.ModelState:
        """Append `events` and return the model as they leave it (folded with domain.evolve)."""
        state: domain.ModelState | None = model
        for envelope in await tx.append(events, expected_version=expected_version):
            state = domain.evolve(state, envelope)
        assert state is not None
        return state

    async def change(self, name: str, decide: Callable[[domain.ModelState], NewEvent | Sequence[NewEvent]],
                     answer: Callable[[domain.ModelState], R], response_type: type[R], *,
                     numbers: Sequence[int] = (), stages: Sequence[int] = (), latest: bool = False) -> R:
        """The common shape of a write to an existing model."""
        async def fn(tx: Transaction) -> R:
            model = await queries.load_model(tx.conn, self.s, name, lock=True, numbers=numbers, stages=stages,
                                             latest=latest, after_lock=tx.lock_early)
            return answer(await self._apply(tx, model, decide(model)))
        return await self.store.write(fn, response_type, database_only=True)

    async def create_model(self, name: str, description: str, tags: dict[str, str]) -> pb.CreateRegisteredModelResponse:
        """A new model; a name already taken fails on the read model's unique name (see _unique_name),
        so the write reads nothing first."""
        async def fn(tx: Transaction) -> pb.CreateRegisteredModelResponse:
            event = rules.create_model(new_id(), name, description, tags)
            envelopes = await tx.append(event, expected_version=NO_STREAM)
            created = domain.fold(envelopes)
            assert created is not None
            return pb.CreateRegisteredModelResponse(registered_model=encode.model(created))
        return await self._unique_name(name, self.store.write(fn, pb.CreateRegisteredModelResponse, database_only=True))

    async def rename_model(self, name: str, new_name: str) -> pb.RenameRegisteredModelResponse:
        async def fn(tx: Transaction) -> pb.RenameRegisteredModelResponse:
            model = await queries.load_model(tx.conn, self.s, name, lock=True, latest=True)
            if new_name != name and await queries.name_taken(tx.conn, self.s, new_name):
                raise errors.AlreadyExists("registered model", new_name)
            after = await self._apply(tx, model, rules.rename_model(model, new_name))
            return pb.RenameRegisteredModelResponse(registered_model=encode.model(after))
        return await self._unique_name(new_name, self.store.write(fn, pb.RenameRegisteredModelResponse, database_only=True))

    @staticmethod
    async def _unique_name(name: str, write: Awaitable[R]) -> R:
        try:
            return await write
        except store_errors.ConstraintViolated as exc:
            # Two callers claimed the name at once: the loser sees what it would have seen a moment later.
            raise errors.AlreadyExists("registered model", name) from exc

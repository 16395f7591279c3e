"""Experiment writes: each checks the current state in its transaction, then appends one event."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar


from mlledger import errors
from mlledger.services.eventstore import errors as store_errors
from mlledger.services.eventstore.model import NO_STREAM
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.services.tracking import domain
from mlledger.services.tracking import events as ev
from mlledger.services.tracking.queries import Queries
from mlledger.services.tracking.schema import DEFAULT_EXPERIMENT_ID
from mlledger.v1 import tracking_pb2 as pb

R = TypeVar("R")


async def _name_taken_as_conflict(call: Awaitable[R], name: str) -> R:
    """Turn the unique-name index firing (two creators racing for one name) into ALREADY_EXISTS."""
    try:
        return await call
    except store_errors.ConstraintViolated as exc:
        if exc.constraint == "experiments_name_key":
            raise errors.AlreadyExists("experiment", name) from exc
        raise


class ExperimentCommands:
    """Create, rename, delete, restore and tag experiments."""

    def __init__(self, store: PostgresEventStore, queries: Queries) -> None:
        self.store = store
        self.queries = queries
        self.schema = store.schema

    async def _existing(self, tx: Transaction, experiment_id: str) -> pb.Experiment:
        domain.check_id("experiment_id", experiment_id)
        cursor = await tx.conn.execute(
            f"SELECT 1 FROM {self.schema}.experiments WHERE experiment_id = %s FOR UPDATE", (experiment_id,))
        if await cursor.fetchone() is None:
            raise errors.NotFound("experiment", experiment_id)
        return await self.queries.experiment(tx.conn, experiment_id)  # type: ignore[return-value]

    async def _name_free(self, tx: Transaction, name: str) -> None:
        if await self.queries.experiment_by_name(tx.conn, name) is not None:
            raise errors.AlreadyExists("experiment", name)

    async def create(self, request: pb.CreateExperimentRequest) -> pb.CreateExperimentResponse:
        domain.check_name("name", request.name, required=True)
        tags = domain.check_create_tags("tags", request.tags)

        async def write(tx: Transaction) -> pb.CreateExperimentResponse:
            await self._name_free(tx, request.name)
            cursor = await tx.conn.execute(f"SELECT nextval('{self.schema}.experiment_ids')")
            experiment_id = str((await cursor.fetchone())[0])  # type: ignore[index]
            location = domain.artifact_location(experiment_id, request.artifact_location)
            payload = pb.ExperimentCreated(experiment_id=experiment_id, name=request.name,
                                           artifact_location=location, tags=tags)
            await tx.append(ev.experiment_event(experiment_id, ev.EXPERIMENT_CREATED, payload),
                            expected_version=NO_STREAM)
            experiment = await self.queries.experiment(tx.conn, experiment_id)
            return pb.CreateExperimentResponse(experiment_id=experiment_id, experiment=experiment)

        return await _name_taken_as_conflict(self.store.write(write, pb.CreateExperimentResponse), request.name)

    async def rename(self, request: pb.UpdateExperimentRequest) -> pb.UpdateExperimentResponse:
        domain.check_name("new_name", request.new_name, required=True)

        async def write(tx: Transaction) -> pb.UpdateExperimentResponse:
            current = await self._existing(tx, request.experiment_id)
            if current.name != request.new_name:
                await self._name_free(tx, request.new_name)
                payload = pb.ExperimentRenamed(experiment_id=current.experiment_id, old_name=current.name,
                                               new_name=request.new_name)
                await tx.append(ev.experiment_event(current.experiment_id, ev.EXPERIMENT_RENAMED, payload))
            experiment = await self.queries.experiment(tx.conn, current.experiment_id)
            return pb.UpdateExperimentResponse(experiment=experiment)

        return await _name_taken_as_conflict(self.store.write(write, pb.UpdateExperimentResponse), request.new_name)

    async def delete(self, request: pb.DeleteExperimentRequest) -> pb.DeleteExperimentResponse:
        async def write(tx: Transaction) -> pb.DeleteExperimentResponse:
            current = await self._existing(tx, request.experiment_id)
            if current.experiment_id == DEFAULT_EXPERIMENT_ID:
                raise errors.FailedPrecondition("the default experiment cannot be deleted",
                                                subject=f"experiment/{DEFAULT_EXPERIMENT_ID}")
            if current.lifecycle_stage != pb.DELETED:
                payload = pb.ExperimentDeleted(experiment_id=current.experiment_id)
                await tx.append(ev.experiment_event(current.experiment_id, ev.EXPERIMENT_DELETED, payload))
            return pb.DeleteExperimentResponse()

        return await self.store.write(write, pb.DeleteExperimentResponse)

    async def restore(self, request: pb.RestoreExperimentRequest) -> pb.RestoreExperimentResponse:
        async def write(tx: Transaction) -> pb.RestoreExperimentResponse:
            current = await self._existing(tx, request.experiment_id)
            if current.lifecycle_stage == pb.DELETED:
                payload = pb.ExperimentRestored(experiment_id=current.experiment_id)
                await tx.append(ev.experiment_event(current.experiment_id, ev.EXPERIMENT_RESTORED, payload))
            return pb.RestoreExperimentResponse()

        return await self.store.write(write, pb.RestoreExperimentResponse)

    async def set_tag(self, request: pb.SetExperimentTagRequest) -> pb.SetExperimentTagResponse:
        domain.check_key("key", request.key)
        domain.check_value("value", request.value, domain.MAX_TAG_VALUE)

        async def write(tx: Transaction) -> pb.SetExperimentTagResponse:
            current = await self._live(tx, request.experiment_id)
            payload = pb.ExperimentTagSet(experiment_id=current.experiment_id,
                                          tag=pb.Tag(key=request.key, value=request.value))
            await tx.append(ev.experiment_event(current.experiment_id, ev.EXPERIMENT_TAG_SET, payload))
            return pb.SetExperimentTagResponse()

        return await self.store.write(write, pb.SetExperimentTagResponse)

    async def delete_tag(self, request: pb.DeleteExperimentTagRequest) -> pb.DeleteExperimentTagResponse:
        domain.check_key("key", request.key)

        async def write(tx: Transaction) -> pb.DeleteExperimentTagResponse:
            current = await self._live(tx, request.experiment_id)
            if all(tag.key != request.key for tag in current.tags):
                raise errors.NotFound("experiment tag", request.key)
            payload = pb.ExperimentTagDeleted(experiment_id=current.experiment_id, key=request.key)
            await tx.append(ev.experiment_event(current.experiment_id, ev.EXPERIMENT_TAG_DELETED, payload))
            return pb.DeleteExperimentTagResponse()

        return await self.store.write(write, pb.DeleteExperimentTagResponse)

    async def _live(self, tx: Transaction, experiment_id: str) -> pb.Experiment:
        current = await self._existing(tx, experiment_id)
        if current.lifecycle_stage == pb.DELETED:
            raise errors.FailedPrecondition(f"experiment {experiment_id!r} is deleted; restore it first",
                                            subject=f"experiment/{experiment_id}")
        return current

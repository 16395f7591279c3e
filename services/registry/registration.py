"""create_model_version: snapshot the files, then create the version; a large model's copy in the background.

A small model (the usual case) is snapshotted first, to a location keyed by the call's idempotency
key, and its version is then created in one transaction that appends model_version.created and
model_version.ready (or .registration_failed) together: one snapshot call (which also returns the
MLmodel file) and one registry transaction. A crash in between leaves an unreferenced snapshot and
no version; the retried call (same key) finds its snapshot identical and creates the version once.

A large model would hold the call for as long as its bytes take to copy. The artifact service is
asked to copy only within limits (`INLINE_SNAPSHOT_BYTES` of bytes it must move: copies inside the
managed root are hard links and move none; `INLINE_SNAPSHOT_FILES` files); above them it copies
nothing and says so. The version is then created PENDING_REGISTRATION, the call returns at once,
and `PendingRegistrations` takes the snapshot in the background. That worker also finishes, at
start-up and every `POLL_SECONDS`, any version a crash left pending, so none stays pending for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import uuid
from collections.abc import AsyncIterator

import psycopg

from mlledger import errors
from mlledger.services.core import context as request_context
from mlledger.services.core.config import env
from mlledger.services.core.logging import get_logger
from mlledger.services.core.server import ServiceRuntime
from mlledger.services.eventstore import schema as log_schema
from mlledger.services.eventstore.model import ANY, NO_STREAM, NewEvent
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.services.registry import clients, domain, encode, model_format, queries, rules
from mlledger.v1 import artifacts_pb2, registry_pb2 as pb, tracking_pb2

log = get_logger("registry.registration")

#: Bytes a snapshot may move during the call (MLLEDGER_REGISTRY_INLINE_SNAPSHOT_BYTES); more go to the background.
INLINE_SNAPSHOT_BYTES = int(env("REGISTRY_INLINE_SNAPSHOT_BYTES", str(64 * 1024 * 1024)))
#: Files a snapshot may copy during the call (MLLEDGER_REGISTRY_INLINE_SNAPSHOT_FILES).
INLINE_SNAPSHOT_FILES = int(env("REGISTRY_INLINE_SNAPSHOT_FILES", "10000"))
#: How often a version creation that lost a numbering race is retried before ABORTED reaches the caller.
CREATE_ATTEMPTS = 5
#: How often every registry process looks for versions left pending (by a crash, or by another replica).
POLL_SECONDS = 30.0
#: Background snapshots taken at once by one process.
PARALLEL_FINISHES = 2
#: A background snapshot's deadline: a large copy between stores may take long.
BACKGROUND_SNAPSHOT_TIMEOUT = 24 * 3600.0
#: Back-off between attempts while the artifact service is unavailable.
RETRY_SECONDS = (1.0, 2.0, 5.0, 10.0, 30.0)


def snapshot_request(location: str, path: str, destination: str, *,
                     inline: bool) -> artifacts_pb2.SnapshotArtifactsRequest:
    """A snapshot that returns the MLmodel file with it; `inline`: within the limits of a call."""
    return artifacts_pb2.SnapshotArtifactsRequest(
        source_uri=location, source_path=path, destination_uri=destination,
        defer_above_bytes=INLINE_SNAPSHOT_BYTES if inline else 0,
        defer_above_files=INLINE_SNAPSHOT_FILES if inline else 0,
        content_path=model_format.MLMODEL_FILE, content_max_bytes=model_format.MAX_MLMODEL_BYTES)


@dataclasses.dataclass(frozen=True)
class Outcome:
    """How a registration ended: the snapshot, or why it failed."""

    snapshot: artifacts_pb2.SnapshotArtifactsResponse | None
    failure: str = ""

    def event(self, model: domain.ModelState, number: int) -> NewEvent:
        """model_version.ready (with what its MLmodel says) or model_version.registration_failed."""
        ready = None
        if self.snapshot is not None:
            ready = pb.ModelVersionReady(model_id=model.model_id, name=model.name, version=number,
                                         storage_location=self.snapshot.artifact_uri,
                                         file_count=self.snapshot.file_count, total_bytes=self.snapshot.total_bytes,
                                         model_format=model_format.of_snapshot(self.snapshot))
        return rules.finish_registration(model, number, ready, self.failure)


async def _apply(tx: Transaction, model: domain.ModelState, event: NewEvent, *,
                 expected_version: int = ANY) -> domain.ModelState:
    """Append `event` and return the model as it leaves it."""
    state: domain.ModelState | None = model
    for envelope in await tx.append(event, expected_version=expected_version):
        state = domain.evolve(state, envelope)
    assert state is not None
    return state


class Registration:
    """CreateModelVersion."""

    def __init__(self, store: PostgresEventStore, runtime: ServiceRuntime, pending: PendingRegistrations) -> None:
        self.store = store
        self.runtime = runtime
        self.pending = pending

    async def create_version(self, request: pb.CreateModelVersionRequest, tags: dict[str, str]) -> pb.ModelVersion:
        """Check the model and the run, snapshot the files, create the version READY (or FAILED);
        PENDING when the snapshot is too large to take during the call."""
        source = clients.parse_source(request.source, request.run_id)
        model_id, run = await self._model_and_run(request.name, source.run_id)
        lineage = clients.lineage_of(run) if run is not None else pb.ModelLineage()
        location, path = clients.files_of(source, lineage.run_artifact_uri)
        destination = clients.request_destination(model_id, request_context.current().request_id)
        snapshot, failure = await clients.snapshot(self.runtime, snapshot_request(location, path, destination,
                                                                                  inline=True))
        deferred = snapshot is not None and snapshot.deferred
        version = await self._create(request, source.run_id, tags, lineage,
                                     None if deferred else Outcome(snapshot, failure))
        if deferred:
            self.pending.wake()
        return version

    async def _model_and_run(self, name: str, run_id: str) -> tuple[str, tracking_pb2.Run | None]:
        """The model's id and the run (None without one), asked at once; a missing model is reported first."""
        if not run_id:
            return await queries.model_id_of(self.store.pool, self.store.schema, name), None
        model_id, run = await asyncio.gather(queries.model_id_of(self.store.pool, self.store.schema, name),
                                             clients.fetch_run(self.runtime, run_id), return_exceptions=True)
        for answer in (model_id, run):
            if isinstance(answer, BaseException):
                raise answer
        assert isinstance(model_id, str) and isinstance(run, tracking_pb2.Run)
        return model_id, run

    async def _create(self, request: pb.CreateModelVersionRequest, run_id: str, tags: dict[str, str],
                      lineage: pb.ModelLineage, outcome: Outcome | None) -> pb.ModelVersion:
        async def fn(tx: Transaction) -> pb.ModelVersion:
            model = await queries.load_model(tx.conn, self.store.schema, request.name, lock=True,
                                             after_lock=tx.lock_early)
            event = rules.create_version(model, request.source, run_id, request.description, tags, lineage)
            # A new stream per version: a racing creator that picked the same number conflicts.
            after = await _apply(tx, model, event, expected_version=NO_STREAM)
            number = after.last_version
            if outcome is not None:
                after = await _apply(tx, after, outcome.event(after, number))
            return encode.version(after, after.version(number))
        for attempt in range(CREATE_ATTEMPTS):
            try:
                return await self.store.write(fn, pb.ModelVersion, database_only=True)
            except errors.ConcurrencyConflict:
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")


class PendingRegistrations:
    """Takes the snapshots of versions left PENDING_REGISTRATION and records READY or FAILED_REGISTRATION.

    Every registry process runs one. A version is worked on by one process at a time: the worker
    holds a session advisory lock on a connection of its own while it does, which PostgreSQL drops
    with the connection if the process dies, and re-reads the version once it holds the lock. The
    snapshot goes to the version's own location (clients.destination) and is idempotent, so work a
    crash interrupted is simply done again.
    """

    def __init__(self, store: PostgresEventStore, runtime: ServiceRuntime) -> None:
        self.store = store
        self.runtime = runtime
        self._wake = asyncio.Event()
        self._working: dict[tuple[str, int], asyncio.Task[None]] = {}
        #: Versions another process held when this one tried (skipped until the next poll).
        self._elsewhere: set[tuple[str, int]] = set()
        #: Whether the last look found more pending versions than places to work on them.
        self._backlog = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="registry-pending-registrations")

    async def stop(self) -> None:
        tasks = [task for task in (self._task, *self._working.values()) if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 5.0)

    def wake(self) -> None:
        """Look for pending versions now (one was just created)."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                pending = await queries.pending_versions(self.store.pool, self.store.schema)
            except Exception as exc:  # noqa: BLE001 - PostgreSQL away: look again later
                log.warning("could not look for pending model versions", error=str(exc) or type(exc).__name__)
                pending = []
            waiting = [key for key in pending if key not in self._working and key not in self._elsewhere]
            room = max(0, PARALLEL_FINISHES - len(self._working))
            for key in waiting[:room]:
                self._working[key] = asyncio.create_task(self._finish(*key))
                self._working[key].add_done_callback(functools.partial(self._done, key))
            self._backlog = len(waiting) > room
            try:
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            except TimeoutError:
                self._elsewhere.clear()  # look again at versions other processes were working on

    def _done(self, key: tuple[str, int], _: object = None) -> None:
        self._working.pop(key, None)
        if self._backlog:
            self._wake.set()  # a place is free for a version that waited for one

    async def _finish(self, model_id: str, number: int) -> None:
        """Finish one version, retrying (with back-off) while the artifact service or PostgreSQL is away."""
        attempt = 0
        while True:
            try:
                async with self._claim(model_id, number) as claimed:
                    if claimed:
                        await self._snapshot_and_record(model_id, number)
                    else:
                        self._elsewhere.add((model_id, number))
                return
            except (errors.NotFound, errors.FailedPrecondition):
                return  # the version or its model was deleted meanwhile
            except Exception as exc:  # noqa: BLE001 - the artifact service or PostgreSQL away: try again
                log.warning("background registration interrupted, retrying", model_id=model_id, version=number,
                            error=str(exc) or type(exc).__name__)
                await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
                attempt += 1

    @contextlib.asynccontextmanager
    async def _claim(self, model_id: str, number: int) -> AsyncIterator[bool]:
        """Whether this process got the version to work on (held until the block ends, or the process dies)."""
        key = log_schema.lock_key(self.store.schema, f"registration:{model_id}/{number}")
        async with await psycopg.AsyncConnection.connect(self.runtime.settings.database_url,
                                                         autocommit=True) as conn:
            row = await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))).fetchone()
            yield bool(row and row[0])

    async def _snapshot_and_record(self, model_id: str, number: int) -> None:
        async with self.store.pool.connection() as conn:
            model = await queries.load_model_by_id(conn, self.store.schema, model_id, numbers=[number])
        version = model.version(number)
        if version.status != pb.PENDING_REGISTRATION:
            return
        # The call that created it is over: act as its creator, in a correlation of its own.
        token = request_context.activate(request_context.RequestContext(
            actor=version.user_id, correlation_id=str(uuid.uuid4()), method="background-registration"))
        try:
            try:
                location, path = clients.files_of(clients.parse_source(version.source, version.run_id),
                                                  version.lineage.run_artifact_uri)
            except errors.InvalidArgument as exc:
                outcome = Outcome(None, f"the source {version.source!r} cannot be snapshotted: {exc}")
            else:
                request = snapshot_request(location, path, clients.destination(model_id, number), inline=False)
                outcome = Outcome(*await clients.snapshot(self.runtime, request, timeout=BACKGROUND_SNAPSHOT_TIMEOUT))
            await self._record(model_id, number, outcome)
        finally:
            request_context.reset(token)

    async def _record(self, model_id: str, number: int, outcome: Outcome) -> None:
        async def fn(tx: Transaction) -> pb.ModelVersion:
            model = await queries.load_model_by_id(tx.conn, self.store.schema, model_id, lock=True,
                                                   numbers=[number], after_lock=tx.lock_early)
            if model.version(number).status != pb.PENDING_REGISTRATION:
                return encode.version(model, model.version(number))  # finished meanwhile
            after = await _apply(tx, model, outcome.event(model, number))
            log.info("model version registered in the background", model_id=model_id, version=number,
                     status=pb.ModelVersionStatus.Name(after.version(number).status))
            return encode.version(after, after.version(number))
        await self.store.write(fn, pb.ModelVersion, request_id="", database_only=True)

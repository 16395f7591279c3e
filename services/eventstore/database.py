"""Connection pools, and psycopg's errors translated into the event store's errors (`errors.py`) at this edge."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import psycopg
from psycopg import errors as pg_errors
from psycopg import pq
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from mlledger import errors
from mlledger.services.eventstore import errors as store_errors


#: Longest a request waits for a pooled connection. When the database is down the pool cannot
#: refill, and a waiter whose connection attempt failed is only released by this timeout: kept
#: short so callers get UNAVAILABLE (and retry) promptly instead of stalling.
CONNECTION_WAIT_SECONDS = 3.0


async def open_pool(url: str, *, min_size: int = 2, max_size: int = 16, name: str = "mlledger") -> AsyncConnectionPool:
    """Open a pool to `url`, failing with Unavailable when the server cannot be reached."""
    pool = AsyncConnectionPool(
        named(url, name),
        min_size=min_size,
        max_size=max_size,
        name=name,
        open=False,
        timeout=CONNECTION_WAIT_SECONDS,
        kwargs={"autocommit": True},
        reconnect_timeout=0,
        reset=discard_if_interrupted,
    )
    try:
        await pool.open(wait=True, timeout=15.0)
    except PoolTimeout as exc:
        await pool.close()
        raise errors.Unavailable(f"cannot connect to PostgreSQL at {redact(url)}") from exc
    return pool


def named(url: str, name: str) -> str:
    """`url` giving its sessions the application_name `name`, shown in pg_stat_activity (so an
    operator, or the write benchmark's CPU split, sees whose they are), unless it names one."""
    try:
        if "application_name" in psycopg.conninfo.conninfo_to_dict(url):
            return url
    except psycopg.ProgrammingError:
        return url
    return psycopg.conninfo.make_conninfo(url, application_name=name)


async def discard_if_interrupted(conn: psycopg.AsyncConnection) -> None:
    """Refuse a connection whose pipeline a cancelled request left open, so the pool discards it.

    A request cancelled inside a pipeline (a deadline of 1 ms) can leave results queued that the
    next user of the connection would read as its own ("no result available").
    """
    if conn._pipeline is not None or conn.pgconn.pipeline_status != pq.PipelineStatus.OFF:
        raise psycopg.OperationalError("a cancelled request left a pipeline open: connection discarded")


def redact(url: str) -> str:
    """`url` with any password hidden, for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparsable database url>"
    if "password" in info:
        info["password"] = "***"
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items()})


def translate(exc: BaseException) -> errors.MlledgerError | None:
    """The mlledger error a database failure means, or None when it is a bug to report as is."""
    if isinstance(exc, errors.MlledgerError):
        return exc
    if isinstance(exc, (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)):
        return store_errors.WriteConflict(f"concurrent update, retry the call ({exc.sqlstate})")
    if isinstance(exc, pg_errors.QueryCanceled):
        return store_errors.StatementCancelled("the database statement was cancelled (deadline or statement timeout)")
    if isinstance(exc, pg_errors.DataError):
        # Class 22: a value the database cannot hold (out of range, bad escape, invalid text).
        return store_errors.ValueRejected("request", f"a value is not acceptable to the database: {_first_line(exc)}",
                                      reason="DATA_ERROR")
    if isinstance(exc, (pg_errors.ProgramLimitExceeded, pg_errors.DiskFull, pg_errors.OutOfMemory)):
        return store_errors.StoreLimitExceeded("database", f"the request exceeds a database limit: {_first_line(exc)}")
    if isinstance(exc, pg_errors.LockNotAvailable):
        return store_errors.WriteConflict(f"a row is locked by another writer, retry the call ({exc.sqlstate})")
    if isinstance(exc, PoolTimeout) or is_connection_failure(exc):
        return store_errors.StoreUnavailable(f"the database is unavailable: {_first_line(exc)}")
    return None


def is_connection_failure(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached (connection lost, shutting down, too many clients)."""
    if not isinstance(exc, psycopg.OperationalError):
        return False
    state = exc.sqlstate or ""
    return not state or state.startswith(("08", "57P", "58")) or state == "53300"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= 200 else line[:200] + "…"


@contextlib.asynccontextmanager
async def translated() -> AsyncIterator[None]:
    """Re-raise database failures as mlledger errors (other exceptions pass unchanged)."""
    try:
        yield
    except (psycopg.Error, PoolTimeout) as exc:
        mapped = translate(exc)
        if mapped is None:
            raise
        raise mapped from exc

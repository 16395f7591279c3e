"""Connection pools, and psycopg's errors translated into mlledger.errors at this edge."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from mlledger import errors


async def open_pool(url: str, *, min_size: int = 2, max_size: int = 16, name: str = "mlledger") -> AsyncConnectionPool:
    """Open a pool to `url`, failing with Unavailable when the server cannot be reached."""
    pool = AsyncConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        name=name,
        open=False,
        timeout=10.0,
        kwargs={"autocommit": True},
        reconnect_timeout=0,
    )
    try:
        await pool.open(wait=True, timeout=15.0)
    except PoolTimeout as exc:
        await pool.close()
        raise errors.Unavailable(f"cannot connect to PostgreSQL at {redact(url)}") from exc
    return pool


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
        return errors.ConcurrencyConflict(f"concurrent update, retry the call ({exc.sqlstate})")
    if isinstance(exc, pg_errors.QueryCanceled):
        return errors.DeadlineExceeded("the database statement was cancelled (deadline or statement timeout)")
    if isinstance(exc, (psycopg.OperationalError, PoolTimeout)):
        return errors.Unavailable(f"the database is unavailable: {str(exc).strip().splitlines()[0] if str(exc) else type(exc).__name__}")
    return None


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

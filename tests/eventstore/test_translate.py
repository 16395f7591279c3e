"""Database failures become the status their cause calls for, not UNAVAILABLE by default."""

from __future__ import annotations

import pytest
from psycopg_pool import AsyncConnectionPool

from mlledger import errors
from mlledger.services.eventstore.database import open_pool, translated


@pytest.fixture
async def pool(database_url):  # type: ignore[no-untyped-def]
    opened = await open_pool(database_url, max_size=2)
    yield opened
    await opened.close()


@pytest.mark.parametrize(("statement", "expected"), [
    ("SELECT 'abc'::int", errors.InvalidArgument),                  # 22P02 invalid text representation
    ("SELECT 9223372036854775807::bigint + 1", errors.InvalidArgument),  # 22003 out of range
    ("SELECT 'ab' LIKE 'a\\'", errors.InvalidArgument),             # 22025 dangling LIKE escape
    ("SELECT repeat('x', 1073741824)", errors.ResourceExhausted),  # 54000 program limit exceeded
    ("SET statement_timeout = 1; SELECT pg_sleep(1)", errors.DeadlineExceeded),
])
async def test_driver_errors_are_classified_by_cause(pool: AsyncConnectionPool, statement: str, expected: type):
    """Each failing statement maps to its precise error, and the connection stays usable."""
    with pytest.raises(expected):
        async with translated(), pool.connection() as conn:
            for part in statement.split("; "):
                await conn.execute(part)
    async with pool.connection() as conn:
        await conn.execute("RESET statement_timeout")
        assert await (await conn.execute("SELECT 1")).fetchone() == (1,)


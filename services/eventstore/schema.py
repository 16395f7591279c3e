"""The event log's tables in a service's own PostgreSQL schema, and a small migration runner.

Each service owns one schema (tracking, registry, artifacts). Its migrations are an ordered
list of (name, SQL) pairs; `{schema}` in the SQL is replaced by the service's schema name.
A migration runs once, under an advisory lock, inside one transaction with its bookkeeping.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

from psycopg_pool import AsyncConnectionPool

Migration = tuple[str, str]

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,47}$")

EVENT_LOG_MIGRATIONS: list[Migration] = [
    (
        "eventstore-0001-log",
        """
        CREATE TABLE {schema}.events (
            position       bigserial PRIMARY KEY,
            id             uuid NOT NULL UNIQUE,
            stream         text NOT NULL,
            stream_version bigint NOT NULL,
            type           text NOT NULL,
            time           timestamptz NOT NULL,
            actor          text NOT NULL,
            correlation_id text NOT NULL,
            payload_type   text NOT NULL,
            payload        bytea NOT NULL,
            UNIQUE (stream, stream_version)
        );
        CREATE INDEX events_time ON {schema}.events (time);
        CREATE TABLE {schema}.requests (
            request_id    text PRIMARY KEY,
            response_type text NOT NULL,
            response      bytea NOT NULL,
            created_at    timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE {schema}.checkpoints (
            name       text PRIMARY KEY,
            position   bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        );
        """,
    ),
    (
        "eventstore-0002-append-function",
        # One round trip ends a write: remember the idempotency key's response, take the append
        # lock (held until COMMIT, so positions become visible in order), check expected
        # versions, number the events per stream, insert them and notify the relay. Keeping
        # this server-side keeps the lock short.
        """
        CREATE FUNCTION {schema}.append_events(
            lock_key bigint, channel text, expected_streams text[], expected_versions bigint[],
            ids uuid[], streams text[], types text[], times timestamptz[], actors text[],
            correlation_ids text[], payload_types text[], payloads bytea[],
            request_id text, response_type text, response bytea
        ) RETURNS TABLE (event_position bigint, event_stream_version bigint)
        LANGUAGE plpgsql AS $fn$
        DECLARE
            conflict record;
        BEGIN
            IF request_id IS NOT NULL THEN
                INSERT INTO {schema}.requests (request_id, response_type, response)
                VALUES (request_id, response_type, response);
            END IF;
            IF cardinality(ids) = 0 THEN
                RETURN;
            END IF;
            PERFORM pg_advisory_xact_lock(lock_key);
            SELECT e.stream, e.expected, v.actual INTO conflict
              FROM unnest(expected_streams, expected_versions) AS e(stream, expected)
              CROSS JOIN LATERAL (
                  SELECT coalesce(max(x.stream_version), 0) AS actual FROM {schema}.events x WHERE x.stream = e.stream
              ) v
             WHERE v.actual <> e.expected
             LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'ML001',
                    MESSAGE = format('%s is at version %s, expected %s: it changed concurrently, retry',
                                     conflict.stream, conflict.actual, conflict.expected);
            END IF;
            RETURN QUERY
            WITH input AS (
                SELECT u.*
                  FROM unnest(ids, streams, types, times, actors, correlation_ids, payload_types, payloads)
                       WITH ORDINALITY AS u(id, stream, type, time, actor, correlation_id, payload_type, payload, ord)
            ), base AS (
                SELECT s.stream,
                       (SELECT coalesce(max(x.stream_version), 0) FROM {schema}.events x WHERE x.stream = s.stream) AS version
                  FROM (SELECT DISTINCT i.stream FROM input i) s
            ), numbered AS (
                SELECT i.*, b.version + row_number() OVER (PARTITION BY i.stream ORDER BY i.ord) AS stream_version
                  FROM input i JOIN base b ON b.stream = i.stream
            )
            INSERT INTO {schema}.events
                   (id, stream, stream_version, type, time, actor, correlation_id, payload_type, payload)
            SELECT n.id, n.stream, n.stream_version, n.type, n.time, n.actor, n.correlation_id, n.payload_type, n.payload
              FROM numbered n ORDER BY n.ord
            RETURNING position, stream_version;
            PERFORM pg_notify(channel, '');
        END
        $fn$;
        """,
    ),
    (
        "eventstore-0003-time-at-commit",
        # The append function takes the events' time itself when the write did not take it at
        # its first append (event_time NULL): under the append lock, so a write whose projection
        # does not read the time holds the lock only while this statement and COMMIT run.
        # One actor and correlation id per call: all events of a transaction share them.
        """
        DROP FUNCTION {schema}.append_events(bigint, text, text[], bigint[], uuid[], text[], text[],
                                             timestamptz[], text[], text[], text[], bytea[], text, text, bytea);
        CREATE FUNCTION {schema}.append_events(
            lock_key bigint, channel text, expected_streams text[], expected_versions bigint[],
            ids uuid[], streams text[], types text[], event_time timestamptz, actor text,
            correlation_id text, payload_types text[], payloads bytea[],
            request_id text, response_type text, response bytea
        ) RETURNS void
        LANGUAGE plpgsql AS $fn$
        DECLARE
            conflict record;
        BEGIN
            IF request_id IS NOT NULL THEN
                INSERT INTO {schema}.requests (request_id, response_type, response)
                VALUES (request_id, response_type, response);
            END IF;
            IF cardinality(ids) = 0 THEN
                RETURN;
            END IF;
            PERFORM pg_advisory_xact_lock(lock_key);
            IF event_time IS NULL THEN
                -- A statement of its own, after the lock: its snapshot sees the last holder's events.
                SELECT greatest(clock_timestamp(), max(e.time)) INTO event_time FROM {schema}.events e;
            END IF;
            SELECT e.stream, e.expected, v.actual INTO conflict
              FROM unnest(expected_streams, expected_versions) AS e(stream, expected)
              CROSS JOIN LATERAL (
                  SELECT coalesce(max(x.stream_version), 0) AS actual FROM {schema}.events x WHERE x.stream = e.stream
              ) v
             WHERE v.actual <> e.expected
             LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'ML001',
                    MESSAGE = format('%s is at version %s, expected %s: it changed concurrently, retry',
                                     conflict.stream, conflict.actual, conflict.expected);
            END IF;
            WITH input AS (
                SELECT u.*
                  FROM unnest(ids, streams, types, payload_types, payloads)
                       WITH ORDINALITY AS u(id, stream, type, payload_type, payload, ord)
            ), base AS (
                SELECT s.stream,
                       (SELECT coalesce(max(x.stream_version), 0) FROM {schema}.events x WHERE x.stream = s.stream) AS version
                  FROM (SELECT DISTINCT i.stream FROM input i) s
            ), numbered AS (
                SELECT i.*, b.version + row_number() OVER (PARTITION BY i.stream ORDER BY i.ord) AS stream_version
                  FROM input i JOIN base b ON b.stream = i.stream
            )
            INSERT INTO {schema}.events
                   (id, stream, stream_version, type, time, actor, correlation_id, payload_type, payload)
            SELECT n.id, n.stream, n.stream_version, n.type, event_time, actor, correlation_id, n.payload_type, n.payload
              FROM numbered n ORDER BY n.ord;
            PERFORM pg_notify(channel, '');
        END
        $fn$;
        """,
    ),
    (
        "eventstore-0004-generic-plans",
        # The append function's statements take arrays whose sizes the planner cannot see, so
        # PostgreSQL kept planning them afresh on every call (custom plans), which cost more than
        # running them: about half of a one-event append's server time. The generic plan is
        # right for any batch size (index look-ups per stream, one insert).
        """
        ALTER FUNCTION {schema}.append_events(bigint, text, text[], bigint[], uuid[], text[], text[], timestamptz,
                                              text, text, text[], bytea[], text, text, bytea)
            SET plan_cache_mode = force_generic_plan;
        """,
    ),
]


def check_identifier(name: str) -> str:
    """`name` if it is a safe lowercase SQL identifier; schema names are never user input, but check."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a valid schema name: {name!r} (lowercase letters, digits and _)")
    return name


def lock_key(schema: str, purpose: str) -> int:
    """A stable 63-bit advisory lock key for (schema, purpose)."""
    return zlib.crc32(f"mlledger:{schema}:{purpose}".encode()) | (zlib.crc32(purpose.encode()) << 31)


async def migrate(pool: AsyncConnectionPool, schema: str, migrations: Sequence[Migration]) -> list[str]:
    """Apply the event log's and then the service's migrations that have not run; returns their names."""
    check_identifier(schema)
    applied: list[str] = []
    async with pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(schema, "migrate"),))
        await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        await conn.execute(
            f"CREATE TABLE IF NOT EXISTS {schema}.migrations "
            "(name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor = await conn.execute(f"SELECT name FROM {schema}.migrations")
        done = {row[0] for row in await cursor.fetchall()}
        for name, sql in [*EVENT_LOG_MIGRATIONS, *migrations]:
            if name in done:
                continue
            await conn.execute(sql.replace("{schema}", schema))
            await conn.execute(f"INSERT INTO {schema}.migrations (name) VALUES (%s)", (name,))
            applied.append(name)
    return applied

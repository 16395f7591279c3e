"""The artifact service's tables (its read model), as migrations of its schema."""

from __future__ import annotations

from mlledger.services.eventstore.schema import Migration

MIGRATIONS: list[Migration] = [
    (
        "artifacts-0001-files",
        """
        CREATE TABLE {schema}.files (
            location   text NOT NULL,
            path       text COLLATE "C" NOT NULL,
            size       bigint NOT NULL,
            sha256     text NOT NULL,
            stored_at  timestamptz NOT NULL,
            PRIMARY KEY (location, path)
        );
        """,
    ),
]

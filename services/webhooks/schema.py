"""The webhooks' tables (in the registry schema), as migrations."""

from __future__ import annotations

from mlledger.services.eventstore.consumer_checkpoint import TABLE_SQL as CHECKPOINT_SQL
from mlledger.services.eventstore.schema import Migration

#: webhooks is the read model (rebuilt from the log). webhook_secrets is kept out of the log on
#: purpose (events are published to every subscriber), written in the same transaction as the
#: event; webhook_deliveries, webhook_cursors and consumer_checkpoints belong to the dispatcher.
MIGRATIONS: list[Migration] = [(
    "webhooks-0001",
    """
    CREATE TABLE {schema}.webhooks (
        webhook_id text PRIMARY KEY, name text NOT NULL UNIQUE, url text NOT NULL, subject text NOT NULL,
        description text NOT NULL, active boolean NOT NULL, secret_fingerprint text NOT NULL,
        created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL
    );
    CREATE TABLE {schema}.webhook_secrets (webhook_id text PRIMARY KEY, secret text NOT NULL);
    CREATE TABLE {schema}.webhook_deliveries (
        webhook_id text NOT NULL, event_id text NOT NULL, position bigint NOT NULL, subject text NOT NULL,
        body bytea NOT NULL, status text NOT NULL DEFAULT 'pending', attempts int NOT NULL DEFAULT 0,
        last_status_code int NOT NULL DEFAULT 0, last_error text NOT NULL DEFAULT '',
        latency_ms double precision NOT NULL DEFAULT 0, event_time timestamptz NOT NULL,
        next_attempt timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (webhook_id, event_id)
    );
    CREATE INDEX webhook_deliveries_due ON {schema}.webhook_deliveries (next_attempt) WHERE status = 'pending';
    """ + CHECKPOINT_SQL,
), (
    # Where the dispatcher serves each webhook from (see intake.py). A webhook that existed
    # before starts where the dispatcher had got to, as it did before this table existed.
    "webhooks-0002-cursors",
    """
    CREATE TABLE {schema}.webhook_cursors (
        webhook_id text PRIMARY KEY, subject text NOT NULL, after_position bigint NOT NULL
    );
    INSERT INTO {schema}.webhook_cursors
        SELECT webhook_id, subject, coalesce((SELECT position FROM {schema}.consumer_checkpoints
                                              WHERE name = 'webhooks'), 0)
        FROM {schema}.webhooks;
    """,
)]

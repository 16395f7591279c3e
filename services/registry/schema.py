"""The registry's tables (its read models), as migrations of its schema."""

from __future__ import annotations

from collections.abc import Sequence

from mlledger.services.eventstore.schema import Migration

MIGRATIONS: Sequence[Migration] = [
    (
        "registry-0001-read-models",
        """
        CREATE TABLE {schema}.registered_models (
            model_id          text PRIMARY KEY,
            name              text NOT NULL UNIQUE,
            description       text NOT NULL,
            creation_time     timestamptz NOT NULL,
            last_updated_time timestamptz NOT NULL,
            last_version      bigint NOT NULL DEFAULT 0
        );
        CREATE TABLE {schema}.model_names (
            model_id      text NOT NULL,
            name          text NOT NULL,
            started_event uuid NOT NULL,
            ended_event   uuid
        );
        CREATE INDEX model_names_name ON {schema}.model_names (name);
        CREATE TABLE {schema}.registered_model_tags (
            model_id text NOT NULL, key text NOT NULL, value text NOT NULL, PRIMARY KEY (model_id, key)
        );
        CREATE TABLE {schema}.model_versions (
            model_id          text NOT NULL,
            version           bigint NOT NULL,
            source            text NOT NULL,
            run_id            text NOT NULL,
            description       text NOT NULL,
            status            int NOT NULL,
            status_message    text NOT NULL DEFAULT '',
            stage             int NOT NULL,
            storage_location  text NOT NULL DEFAULT '',
            lineage           bytea NOT NULL,
            user_id           text NOT NULL,
            creation_time     timestamptz NOT NULL,
            last_updated_time timestamptz NOT NULL,
            change_from       int,
            change_to         int,
            change_actor      text,
            change_time       timestamptz,
            change_archived_by bigint,
            PRIMARY KEY (model_id, version)
        );
        CREATE INDEX model_versions_stage ON {schema}.model_versions (model_id, stage, version DESC);
        CREATE INDEX model_versions_run ON {schema}.model_versions (run_id);
        CREATE TABLE {schema}.model_version_tags (
            model_id text NOT NULL, version bigint NOT NULL, key text NOT NULL, value text NOT NULL,
            PRIMARY KEY (model_id, version, key)
        );
        CREATE TABLE {schema}.model_aliases (
            model_id text NOT NULL, alias text NOT NULL, version bigint NOT NULL, PRIMARY KEY (model_id, alias)
        );
        """,
    ),
    (
        # NULL when the version is not READY or its files are not a model directory.
        "registry-0002-model-format",
        "ALTER TABLE {schema}.model_versions ADD COLUMN model_format bytea",
    ),
    (
        # Versions whose snapshot is still to be taken (registration.PendingRegistrations looks for them).
        "registry-0003-pending-registrations",
        "CREATE INDEX model_versions_pending ON {schema}.model_versions (creation_time) WHERE status = 1",
    ),
]

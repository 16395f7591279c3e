"""The SQL each registry event applies to its read models (live and on rebuild; the tables are in schema.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from psycopg import AsyncConnection

from mlledger.services.eventstore.model import Envelope
from mlledger.services.registry import domain
from mlledger.services.registry import events as ev


Handler = Callable[[AsyncConnection, Envelope], Awaitable[None]]
#: Events whose handler stamps the model's last_updated_time itself, in the statement it runs
#: anyway (a statement less per write), or has no model row left to stamp (a deletion).
_TOUCH_IN_HANDLER = frozenset({ev.VERSION_READY, ev.VERSION_REGISTRATION_FAILED, ev.VERSION_STAGE_TRANSITIONED,
                               ev.VERSION_UPDATED, ev.VERSION_TAG_SET, ev.VERSION_TAG_DELETED,
                               ev.MODEL_CREATED, ev.MODEL_RENAMED, ev.MODEL_UPDATED, ev.MODEL_DELETED,
                               ev.MODEL_TAG_SET, ev.MODEL_TAG_DELETED, ev.ALIAS_SET, ev.ALIAS_DELETED})


class RegistryProjector:
    """Keeps the registry's read models equal to a replay of its log."""

    def __init__(self, schema: str) -> None:
        self.s = schema
        self.tables = [f"{schema}.{table}" for table in ("registered_models", "model_names", "registered_model_tags",
                                                         "model_versions", "model_version_tags", "model_aliases")]
        self._handlers: dict[str, Handler] = {
            ev.MODEL_CREATED: self._model_created, ev.MODEL_RENAMED: self._model_renamed,
            ev.MODEL_UPDATED: self._model_updated, ev.MODEL_DELETED: self._model_deleted,
            ev.MODEL_TAG_SET: self._model_tag_set, ev.MODEL_TAG_DELETED: self._model_tag_deleted,
            ev.ALIAS_SET: self._alias_set, ev.ALIAS_DELETED: self._alias_deleted,
            ev.VERSION_CREATED: self._version_created, ev.VERSION_READY: self._version_ready,
            ev.VERSION_REGISTRATION_FAILED: self._version_failed,
            ev.VERSION_STAGE_TRANSITIONED: self._version_transitioned, ev.VERSION_UPDATED: self._version_updated,
            ev.VERSION_DELETED: self._version_deleted, ev.VERSION_TAG_SET: self._version_tag_set,
            ev.VERSION_TAG_DELETED: self._version_tag_deleted,
        }

    async def apply(self, conn: AsyncConnection, event: Envelope) -> None:
        handler = self._handlers.get(event.type)
        if handler is None:
            return
        await handler(conn, event)
        if event.type not in _TOUCH_IN_HANDLER:
            # Any change to a model or one of its versions counts as an update of the model.
            await conn.execute(f"UPDATE {self.s}.registered_models SET last_updated_time = %s WHERE model_id = %s",
                               (event.time, event.payload.model_id))

    def _touching(self, statement: str) -> str:
        """`statement` preceded by the update of its model's last_updated_time (parameters: the
        time and the model id, then the statement's own), so both cost one statement."""
        return (f"WITH touched AS (UPDATE {self.s}.registered_models SET last_updated_time = %s "
                f"WHERE model_id = %s) {statement}")

    async def _model_created(self, conn: AsyncConnection, e: Envelope) -> None:
        p = e.payload
        # One statement: the model, its first name and its tags (none is an empty unnest).
        await conn.execute(
            f"""WITH model AS (INSERT INTO {self.s}.registered_models VALUES (%s, %s, %s, %s, %s, 0)),
                     named AS (INSERT INTO {self.s}.model_names VALUES (%s, %s, %s, NULL))
                INSERT INTO {self.s}.registered_model_tags
                SELECT %s, key, value FROM unnest(%s::text[], %s::text[]) AS tag(key, value)""",
            (p.model_id, p.name, p.description, e.time, e.time, p.model_id, p.name, e.id,
             p.model_id, [tag.key for tag in p.tags], [tag.value for tag in p.tags]))

    async def _end_name(self, conn: AsyncConnection, model_id: str, e: Envelope) -> None:
        await conn.execute(
            f"UPDATE {self.s}.model_names SET ended_event = %s WHERE model_id = %s AND ended_event IS NULL",
            (e.id, model_id))

    async def _model_renamed(self, conn: AsyncConnection, e: Envelope) -> None:
        p = e.payload
        await conn.execute(f"UPDATE {self.s}.registered_models SET name = %s, last_updated_time = %s "
                           "WHERE model_id = %s", (p.new_name, e.time, p.model_id))
        await self._end_name(conn, p.model_id, e)
        await conn.execute(f"INSERT INTO {self.s}.model_names VALUES (%s, %s, %s, NULL)",
                           (p.model_id, p.new_name, e.id))

    async def _model_updated(self, conn: AsyncConnection, e: Envelope) -> None:
        await conn.execute(f"UPDATE {self.s}.registered_models SET description = %s, last_updated_time = %s "
                           "WHERE model_id = %s", (e.payload.description, e.time, e.payload.model_id))

    async def _model_deleted(self, conn: AsyncConnection, e: Envelope) -> None:
        model_id = e.payload.model_id
        for table in ("registered_models", "registered_model_tags", "model_versions", "model_version_tags",
                      "model_aliases"):
            await conn.execute(f"DELETE FROM {self.s}.{table} WHERE model_id = %s", (model_id,))
        await self._end_name(conn, model_id, e)

    async def _model_tag_set(self, conn: AsyncConnection, e: Envelope) -> None:
        p = e.payload
        await conn.execute(self._touching(
            f"INSERT INTO {self.s}.registered_model_tags VALUES (%s, %s, %s) "
            "ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value"),
            (e.time, p.model_id, p.model_id, p.tag.key, p.tag.value))

    async def _model_tag_deleted(self, conn: AsyncConnection, e: Envelope) -> None:
        p = e.payload
        await conn.execute(self._touching(
            f"DELETE FROM {self.s}.registered_model_tags WHERE model_id = %s AND key = %s"),
            (e.time, p.model_id, p.model_id, p.key))

    async def _alias_set(self, conn: AsyncConnection, e: Envelope) -> None:
        p = e.payload
        await conn.execute(self._touching(
            f"INSERT INTO {self.s}.model_aliases VALUES (%s, %s, %s) "
            "ON CONFLICT (model_id, alias) DO UPDATE SET version = excluded.version"),
            (e.time, p.model_id, p.model_id, p.alias, p.version))

    async def _alias_deleted(self, conn: AsyncConnection, e: Envelope) -> None:
        p = e.payload
        await conn.execute(self._touching(f"DELETE FROM {self.s}.model_aliases WHERE model_id = %s AND alias = %s"),
                           (e.time, p.model_id, p.model_id, p.alias))

    async def _version_created(self, conn: AsyncConnection, e: Envelope) -> None:
        p = e.payload
        await conn.execute(
            f"""INSERT INTO {self.s}.model_versions (model_id, version, source, run_id, description, status, stage,
                    lineage, user_id, creation_time, last_updated_time)
                VALUES (%s, %s, %s, %s, %s, %s, 1, %s, %s, %s, %s)""",
            (p.model_id, p.version, p.source, p.run_id, p.description, 1, p.lineage.SerializeToString(), e.actor,
             e.time, e.time))
        await conn.execute(f"UPDATE {self.s}.registered_models SET last_version = greatest(last_version, %s) "
                           "WHERE model_id = %s", (p.version, p.model_id))
        for tag in p.tags:
            await conn.execute(f"INSERT INTO {self.s}.model_version_tags VALUES (%s, %s, %s, %s)",
                               (p.model_id, p.version, tag.key, tag.value))

    async def _set_version(self, conn: AsyncConnection, e: Envelope, assignments: str, values: tuple) -> None:
        """Update one version row and its model's last_updated_time in one statement (the hot path)."""
        await conn.execute(
            f"""WITH model AS (UPDATE {self.s}.registered_models SET last_updated_time = %s WHERE model_id = %s)
                UPDATE {self.s}.model_versions SET {assignments}, last_updated_time = %s
                WHERE model_id = %s AND version = %s""",
            (e.time, e.payload.model_id, *values, e.time, e.payload.model_id, e.payload.version))

    async def _version_ready(self, conn: AsyncConnection, e: Envelope) -> None:
        found = e.payload.model_format.SerializeToString() if e.payload.HasField("model_format") else None
        await self._set_version(conn, e, "status = 3, storage_location = %s, model_format = %s",
                                (e.payload.storage_location, found))

    async def _version_failed(self, conn: AsyncConnection, e: Envelope) -> None:
        await self._set_version(conn, e, "status = 2, status_message = %s", (e.payload.reason,))

    async def _version_transitioned(self, conn: AsyncConnection, e: Envelope) -> None:
        change = domain.stage_change(e)
        await self._set_version(
            conn, e, "stage = %s, change_from = %s, change_to = %s, change_actor = %s, change_time = %s, "
                     "change_archived_by = %s", (change.to_stage, change.from_stage, change.to_stage, change.actor,
                                                 change.time, change.archived_by_version))

    async def _version_updated(self, conn: AsyncConnection, e: Envelope) -> None:
        await self._set_version(conn, e, "description = %s", (e.payload.description,))

    async def _version_deleted(self, conn: AsyncConnection, e: Envelope) -> None:
        key = (e.payload.model_id, e.payload.version)
        for table in ("model_versions", "model_version_tags", "model_aliases"):
            await conn.execute(f"DELETE FROM {self.s}.{table} WHERE model_id = %s AND version = %s", key)

    async def _version_tag_set(self, conn: AsyncConnection, e: Envelope) -> None:
        p = e.payload
        await conn.execute(
            f"INSERT INTO {self.s}.model_version_tags VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (model_id, version, key) DO UPDATE SET value = excluded.value",
            (p.model_id, p.version, p.tag.key, p.tag.value))
        await self._set_version(conn, e, "status = status", ())

    async def _version_tag_deleted(self, conn: AsyncConnection, e: Envelope) -> None:
        p = e.payload
        await conn.execute(f"DELETE FROM {self.s}.model_version_tags WHERE model_id = %s AND version = %s AND key = %s",
                           (p.model_id, p.version, p.key))
        await self._set_version(conn, e, "status = status", ())

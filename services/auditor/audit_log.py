"""The audit log: one JSON line per event, hash-chained, written by a consumer on the shared subscriber.

Each line records who (actor), what (service, type, payload digest), when (time), which entity
(stream and its version), the event id and its positions (on the stream and in the service's
log), then `prev` (the previous line's hash) and `hash` = SHA-256 of the line's canonical JSON
without `hash`. The file is its own checkpoint: a restarted auditor resumes after the last
line's position, and a torn last line (a crash mid-write) is cut off first.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlledger.jetstream import Event, Position, Subscription
from mlledger.services.eventstore.subscriber import Handler, consume

GENESIS = "0" * 64


def line_hash(record: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of a record without its `hash`."""
    body = {key: value for key, value in record.items() if key != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def facts(event: Event) -> dict[str, Any]:
    """What the audit log keeps about an event (also what verify compares with the service logs)."""
    return {
        "event_id": event.id, "service": event.service, "global_position": event.global_position,
        "type": event.type, "entity": event.stream, "entity_version": event.stream_version,
        "time": event.time.ToJsonString(), "actor": event.actor, "correlation_id": event.correlation_id,
        "payload_type": event.payload.type_url.rpartition("/")[2],
        "payload_sha256": hashlib.sha256(event.payload.value).hexdigest(),
    }


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The complete lines of an audit log (a torn last line is ignored)."""
    if not path.exists():
        return []
    text = path.read_text()
    complete = text[: text.rfind("\n") + 1]
    return [json.loads(line) for line in complete.splitlines() if line.strip()]


class AuditLogCheckpoint:
    """The audit file as a checkpoint: lines and position are written together, fsynced per batch."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last_hash = GENESIS
        self.position = Position()

    async def load(self) -> Position:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            text = self.path.read_bytes()
            end = text.rfind(b"\n") + 1
            if end < len(text):  # a crash mid-line: the event was not audited, it will come again
                with open(self.path, "r+b") as file:
                    file.truncate(end)
        self.position, self.last_hash = Position(), GENESIS
        for record in read_lines(self.path):
            self.position.stream = record["position"]
            service = record["service"]
            self.position.marks[service] = max(self.position.marks.get(service, 0), record["global_position"])
            self.last_hash = record["hash"]
        return self.position

    async def handle(self, events: Sequence[Event], handler: Handler) -> None:
        fresh = self.position.fresh(events)
        if fresh:
            await handler(fresh, self)

    def append(self, events: Sequence[Event]) -> None:
        lines = []
        for event in events:
            record = {"position": event.position, **facts(event), "prev": self.last_hash}
            record["hash"] = self.last_hash = line_hash(record)
            lines.append(json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n")
        with open(self.path, "a") as file:
            file.write("".join(lines))
            file.flush()
            os.fsync(file.fileno())


async def run_auditor(path: Path, subscription: Subscription, *, until_idle: bool = False,
                      stop: asyncio.Event | None = None) -> int:
    """Append every new event to the audit log; returns how many lines were written."""
    checkpoint = AuditLogCheckpoint(path)
    written = 0

    async def handler(events: list[Event], log: AuditLogCheckpoint) -> None:
        nonlocal written
        log.append(events)
        written += len(events)

    await consume(subscription, checkpoint, handler, stop=stop, stop_when_idle=until_idle)
    return written

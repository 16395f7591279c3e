"""Verifying an audit log against every service's event log.

Finds lines that were altered (the line's hash no longer matches, or its facts differ from the
log), deleted (an event of the log up to the audited point has no line; the chain breaks),
added (a line whose event no log has) or reordered (a service's events out of log order, or
positions going backwards; the chain breaks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlledger.services.auditor.audit_log import GENESIS, facts, line_hash, read_lines
from mlledger.services.auditor.redacted import REDACTED_FACTS, is_redacted, purge_event_id
from mlledger.v1 import events_pb2

#: Reads one service's whole log: yields its events in log order.
LogReader = Callable[[str], Iterable[events_pb2.Event]]


@dataclass
class Findings:
    """What verify found; empty lists mean the audit log is intact and complete."""

    lines: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    reordered: list[str] = field(default_factory=list)
    chain: list[str] = field(default_factory=list)
    #: Events whose payloads a purge redacted (not a finding: the purge itself is in the log).
    redacted: int = 0

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.altered or self.reordered or self.chain)

    def report(self) -> list[str]:
        rows = [f"{kind}: {item}" for kind in ("missing", "extra", "altered", "reordered", "chain")
                for item in getattr(self, kind)]
        redacted = f"; {self.redacted} redacted by purges" if self.redacted else ""
        return rows or [f"ok: {self.lines} lines, chain intact, every event present once and in order{redacted}"]


def _describe(record: dict[str, Any]) -> str:
    return f"event {record['event_id']} ({record['service']} #{record['global_position']} {record['type']})"


def verify(path: Path, services: Iterable[str], read_log: LogReader) -> Findings:
    """Compare the audit log at `path` with the logs of `services`."""
    services = list(services)
    records = read_lines(path)
    found = Findings(lines=len(records))
    previous = GENESIS
    for number, record in enumerate(records, start=1):
        if line_hash(record) != record.get("hash"):
            found.altered.append(f"line {number}: its hash does not match its content ({_describe(record)})")
        elif record.get("prev") != previous:
            found.chain.append(f"line {number}: does not follow line {number - 1} (a line was removed, "
                               "inserted or moved before it)")
        previous = record.get("hash", "")
    by_id: dict[str, tuple[int, dict[str, Any]]] = {}
    for number, record in enumerate(records, start=1):
        if record["event_id"] in by_id:
            found.extra.append(f"line {number}: repeats line {by_id[record['event_id']][0]} ({_describe(record)})")
        else:
            by_id[record["event_id"]] = (number, record)
    audited_to: dict[str, int] = {}
    for record in records:
        audited_to[record["service"]] = max(audited_to.get(record["service"], 0), record["global_position"])
    seen: set[str] = set()
    purges: list[tuple[int, dict[str, Any], str, str]] = []
    logged_ids: dict[str, set[str]] = {}
    for service in services:
        last_line, last_position = 0, 0
        for event in read_log(service):
            logged_ids.setdefault(service, set()).add(event.id)  # a purge may lie past the audited point
            if event.global_position > audited_to.get(service, 0):
                continue  # not audited yet: the auditor has not got that far
            entry = by_id.get(event.id)
            if entry is None:
                found.missing.append(f"{event.id} ({service} #{event.global_position} {event.type})")
                continue
            number, record = entry
            seen.add(event.id)
            expected = facts(event)
            if is_redacted(event):
                # A purge replaced the payload: the line keeps the digest of what was there before,
                # every other fact must still match, and the purge must be in the same log.
                found.redacted += 1
                expected = {key: value for key, value in expected.items() if key not in REDACTED_FACTS}
                purges.append((number, record, service, purge_event_id(event)))
            differing = sorted(key for key, value in expected.items() if record.get(key) != value)
            if differing:
                found.altered.append(f"line {number}: {', '.join(differing)} differ from the log ({_describe(record)})")
            if number < last_line or record["position"] < last_position:
                found.reordered.append(f"line {number}: {_describe(record)} comes before an event the log has "
                                       "earlier")
            last_line, last_position = max(last_line, number), max(last_position, record["position"])
    for number, record, service, purge_id in purges:
        if purge_id not in seen and purge_id not in logged_ids.get(service, set()):
            found.altered.append(f"line {number}: {_describe(record)} is redacted in the log, but no purge event "
                                 f"{purge_id or '(unnamed)'} is in the {service} log")
    for event_id, (number, record) in by_id.items():
        if event_id not in seen:
            found.extra.append(f"line {number}: {_describe(record)} is in no service's log")
    return found

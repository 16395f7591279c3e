"""Rewrite the table of every subject and payload in docs/events.md from the code's event types.

Usage: python scripts/gen_event_docs.py   (tests/events/test_event_docs.py fails when it is stale)
"""

from __future__ import annotations

from pathlib import Path

from mlledger.services.event_types import rewrite

DOC = Path(__file__).resolve().parent.parent / "docs" / "events.md"

if __name__ == "__main__":
    DOC.write_text(rewrite(DOC.read_text()))
    print(f"rewrote the event table in {DOC}")

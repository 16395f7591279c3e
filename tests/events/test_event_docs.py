"""docs/events.md lists every subject the code publishes, with its payload message."""

from __future__ import annotations

from pathlib import Path

from mlledger.services.event_types import event_types, table

DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_event_table_is_current():
    """The table in docs/events.md is what scripts/gen_event_docs.py generates from the code."""
    assert table() in DOC.read_text(), "run: python scripts/gen_event_docs.py"


def test_every_payload_is_documented_in_protos():
    """Each payload message lives in a file under protos/ (what another language generates from)."""
    root = DOC.parents[1]
    for event_type in event_types():
        assert (root / event_type.proto_file).exists(), event_type

"""The auditor: a hash-chained audit log that resumes, and a verify that finds deleted, altered and reordered lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _mlledger(stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlledger", "auditor", *args, "--tracking-uri", stack.tracking_uri],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def audit_log(mlledger_stack, client, tmp_path_factory) -> Path:
    """An audit log of the stack's events so far, written in two sittings (the second resumes)."""
    out = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    experiment = client.create_experiment("audited")
    client.create_run(experiment)
    assert _mlledger(mlledger_stack, "--out", str(out), "--once").returncode == 0
    first = len(out.read_text().splitlines())
    for _ in range(3):
        client.log_param(client.create_run(experiment).info.run_id, "p", "1")
    assert _mlledger(mlledger_stack, "--out", str(out), "--once").returncode == 0
    assert len(out.read_text().splitlines()) >= first + 6
    return out


def _edited(audit_log: Path, tmp_path: Path, edit) -> Path:
    lines = audit_log.read_text().splitlines()
    edit(lines)
    copy = tmp_path / "edited.jsonl"
    copy.write_text("\n".join(lines) + "\n")
    return copy


def test_an_intact_log_verifies(mlledger_stack, audit_log):
    """Verify passes on the log as written: chain intact, every event once, in order, no repeat after resuming."""
    records = [json.loads(line) for line in audit_log.read_text().splitlines()]
    assert len({r["event_id"] for r in records}) == len(records)
    assert {"actor", "time", "entity", "type", "event_id", "position", "prev", "hash"} <= set(records[-1])
    done = _mlledger(mlledger_stack, "verify", str(audit_log))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok:")


def test_verify_finds_a_deleted_line(mlledger_stack, audit_log, tmp_path):
    """A removed line is reported missing (and the chain breaks), exit code 1."""
    edited = _edited(audit_log, tmp_path, lambda lines: lines.pop(3))
    done = _mlledger(mlledger_stack, "verify", str(edited))
    assert done.returncode == 1
    assert "missing:" in done.stdout and "chain: line 4" in done.stdout


def test_verify_finds_an_altered_line(mlledger_stack, audit_log, tmp_path):
    """A line whose actor was changed is reported altered, exit code 1."""
    def alter(lines: list[str]) -> None:
        record = json.loads(lines[2])
        record["actor"] = "someone-else"
        lines[2] = json.dumps(record)
    done = _mlledger(mlledger_stack, "verify", str(_edited(audit_log, tmp_path, alter)))
    assert done.returncode == 1
    assert "altered: line 3" in done.stdout and "actor" in done.stdout


def test_verify_finds_reordered_lines(mlledger_stack, audit_log, tmp_path):
    """Two swapped lines of one service are reported reordered, exit code 1."""
    records = [json.loads(line) for line in audit_log.read_text().splitlines()]
    i = next(i for i in range(len(records) - 1) if records[i]["service"] == records[i + 1]["service"])

    def swap(lines: list[str]) -> None:
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    done = _mlledger(mlledger_stack, "verify", str(_edited(audit_log, tmp_path, swap)))
    assert done.returncode == 1
    assert "reordered:" in done.stdout and "missing:" not in done.stdout


def test_verify_finds_an_extra_line(mlledger_stack, audit_log, tmp_path):
    """A line for an event no log has is reported extra."""
    def add(lines: list[str]) -> None:
        record = json.loads(lines[-1])
        record["event_id"] = "00000000-0000-0000-0000-000000000000"
        lines.append(json.dumps(record))
    done = _mlledger(mlledger_stack, "verify", str(_edited(audit_log, tmp_path, add)))
    assert done.returncode == 1 and "extra:" in done.stdout

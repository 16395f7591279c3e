"""The auditor with authentication on: denials and grants are in its log, and the log verifies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

import mlledger
from mlledger import errors
from mlledger.testing import TestStack


def test_the_audit_log_holds_denials_and_verifies(auth_stack: TestStack, admin: mlledger.Client,
                                                  user: Callable[[str], mlledger.Client], tmp_path: Path) -> None:
    """An attempted promotion is an access.denied line in the audit log, and verify checks the auth log too."""
    name = f"audited-{uuid.uuid4().hex[:6]}"
    admin.create_registered_model(name)
    editor = user("editor")
    admin.grant_permission("model", name, editor.name, "EDIT")  # type: ignore[attr-defined]
    with pytest.raises(errors.PermissionDenied):
        editor.set_registered_model_alias(name, "champion", 1)
    out = tmp_path / "audit.jsonl"
    env = {**os.environ, "MLLEDGER_TOKEN": auth_stack.admin_token}

    def auditor(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mlledger", "auditor", *args, "--tracking-uri",
                               auth_stack.tracking_uri], capture_output=True, text=True, timeout=120, env=env)

    assert auditor("--out", str(out), "--once").returncode == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    denied = [r for r in records if r["type"] == "access.denied" and r["actor"] == editor.name]  # type: ignore[attr-defined]
    assert denied and denied[0]["service"] == "auth" and denied[0]["entity"] == f"access/{editor.name}"  # type: ignore[attr-defined]
    done = auditor("verify", str(out))
    assert done.returncode == 0, done.stdout + done.stderr

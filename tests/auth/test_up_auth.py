"""`mlledger up --auth`: the laptop stack with authentication on, and its administrator token kept."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import mlledger
from mlledger import errors
from mlledger.services.stack.local_auth import local_auth_env
from mlledger.services.stack.ports import free_port
from tests.core.test_cli_up import Output


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not tmp_path: PostgreSQL runs as its own user when the tests run as root (see tests/core/test_cli_up.py).
    path = Path(tempfile.mkdtemp(prefix="mlledger-up-auth-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_local_tokens_are_made_once_and_kept(data_dir: Path) -> None:
    """The administrator and service tokens are generated on first use, stored 0600, and the same next time."""
    first = local_auth_env(data_dir)
    assert first["MLLEDGER_AUTH"] == "1" and first["MLLEDGER_AUTH_ADMIN_TOKEN"].startswith("mlt_")
    assert (data_dir / "auth.env").stat().st_mode & 0o777 == 0o600
    assert local_auth_env(data_dir) == first


def test_up_with_auth_requires_the_token(data_dir: Path) -> None:
    """`mlledger up --auth` refuses anonymous calls and accepts the administrator token from auth.env."""
    ports = {name: free_port() for name in ("tracking", "registry", "artifacts", "postgres", "nats")}
    args = [sys.executable, "-m", "mlledger", "up", "--auth", "--data-dir", str(data_dir), "--gateway-port", "0",
            *(arg for name, port in ports.items() for arg in (f"--{name}-port", str(port)))]
    env = {k: v for k, v in os.environ.items() if k not in ("MLLEDGER_DATABASE_URL", "MLLEDGER_NATS_URL")}
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    output = Output(process)
    try:
        output.wait_for("Press Ctrl-C", timeout=180)
        assert any("authentication on" in line for line in output.seen)
        uri = f"127.0.0.1:{ports['tracking']}"
        with mlledger.Client(uri, token=None) as anonymous, pytest.raises(errors.Unauthenticated):
            anonymous.search_experiments()
        with mlledger.Client(uri, token=local_auth_env(data_dir)["MLLEDGER_AUTH_ADMIN_TOKEN"]) as admin:
            assert admin.whoami().is_admin
    finally:
        process.send_signal(signal.SIGINT)
        output.rest(process, timeout=90)

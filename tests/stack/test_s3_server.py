"""s3_server() keeps everything SeaweedFS writes inside its own temporary directory, and removes it."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest

from mlledger.testing import s3_server
from tests.stack.helpers import all_pids, command_line


def test_s3_server_leaves_no_file_behind(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    """No SeaweedFS log or socket lands in the system's temporary directory; the server's own directory is removed."""
    monkeypatch.setattr(tempfile, "tempdir", str(data_dir))
    system_tmp = Path("/tmp")
    with s3_server() as s3:
        port = s3.endpoint.rsplit(":", 1)[1]
        [pid] = [pid for pid in all_pids() if f"-s3.port={port}" in command_line(pid)]
        s3.client().put_object(s3.bucket, "probe", io.BytesIO(b"x"), 1)  # type: ignore[attr-defined]
        own = [path for path in data_dir.rglob("*") if path.name.startswith("weed.") or path.suffix == ".sock"]
        assert own, "SeaweedFS wrote no log or socket in its own directory"
    strays = [path.name for path in system_tmp.iterdir()
              if path.name.endswith(f".{pid}") and path.name.startswith("weed.")
              or path.name.endswith(f"-{port}.sock") and path.name.startswith("seaweedfs-")]
    assert strays == []
    assert list(data_dir.iterdir()) == []

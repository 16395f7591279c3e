"""Shared by the steps: fetch an upstream step's artifact by URI and record it as this run's input."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import mlledger


def fetch_input(uri: str, name: str) -> Path:
    """Download the file at `uri` (an artifact of an upstream run) and log it as a dataset input."""
    # Artifacts are found under their run's artifact root (".../<run_id>/artifacts") by relative path.
    root, _, path = uri.rpartition("/artifacts/")
    local = Path(mlledger.download_artifacts(path=path, dst_path=tempfile.mkdtemp(), artifact_uri=f"{root}/artifacts"))
    digest = hashlib.sha256(local.read_bytes()).hexdigest()[:16]
    mlledger.log_input(mlledger.Dataset(name=name, digest=digest, source_type="mlledger-artifact", source=uri),
                       context="input")
    return local

"""Fixtures for artifact tests: private stacks on local disk and on a real S3 server (weed mini)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import mlledger
from mlledger.testing import S3Server, s3_server
from mlledger.testing import Infrastructure, TestStack, running_stack

SERVICES = ("tracking", "artifacts")


@dataclass
class ArtifactStack:
    """A stack, a client of it, and where its artifacts root lives (a directory, or None on S3)."""

    stack: TestStack
    client: mlledger.Client
    backend: str
    root: Path | None = None
    allowed_root: Path | None = None
    s3: S3Server | None = None


@pytest.fixture(scope="session")
def local_stack(mlledger_infrastructure: Infrastructure) -> Iterator[ArtifactStack]:
    """Tracking and artifacts with a local root and one extra allowed root, both temporary directories."""
    base = Path(tempfile.mkdtemp(prefix="mlledger-artifacts-test-"))
    root, allowed = base / "root", base / "allowed"
    allowed.mkdir(parents=True)
    env = {"MLLEDGER_ARTIFACT_ALLOWED_ROOTS": str(allowed)}
    try:
        with running_stack(mlledger_infrastructure, SERVICES, artifact_root=str(root), extra_env=env) as stack:
            with mlledger.Client(stack.tracking_uri) as client:
                yield ArtifactStack(stack, client, "local", root, allowed)
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    """A SeaweedFS S3 server on free local ports with one bucket."""
    with s3_server() as server:
        yield server


@pytest.fixture(scope="session")
def s3_stack(mlledger_infrastructure: Infrastructure, s3: S3Server) -> Iterator[ArtifactStack]:
    """Tracking and artifacts storing under s3://<bucket>/store on the test S3 server."""
    with running_stack(mlledger_infrastructure, SERVICES, extra_env=s3.stack_env("store")) as stack:
        with mlledger.Client(stack.tracking_uri) as client:
            yield ArtifactStack(stack, client, "s3", s3=s3)


@pytest.fixture(params=["local", "s3"])
def any_stack(request: pytest.FixtureRequest) -> ArtifactStack:
    """Each test using it runs once per backend."""
    return request.getfixturevalue(f"{request.param}_stack")  # type: ignore[no-any-return]

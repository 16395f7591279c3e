"""Fixtures for the gateway tests: a stack with the HTTP gateway, and MLflow's client pointed at it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from mlledger.testing import Infrastructure, TestStack, running_stack

# A gateway bug answered 500 would otherwise be retried by MLflow's client for minutes.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")


@pytest.fixture(scope="session")
def gateway_stack(mlledger_infrastructure: Infrastructure) -> Iterator[TestStack]:
    """Tracking, registry and artifacts with the gateway in front, on a fresh database."""
    with running_stack(mlledger_infrastructure, gateway=True) as stack:
        yield stack


@pytest.fixture
def mlflow(gateway_stack: TestStack, monkeypatch: pytest.MonkeyPatch, tmp_path):  # type: ignore[no-untyped-def]
    """The `mlflow` module with its tracking and registry URIs set to the gateway."""
    import mlflow as module

    monkeypatch.chdir(tmp_path)
    module.set_tracking_uri(gateway_stack.gateway_uri)
    module.set_registry_uri(gateway_stack.gateway_uri)
    yield module
    while module.active_run() is not None:
        module.end_run()


@pytest.fixture
def client(mlflow):  # type: ignore[no-untyped-def]
    """An MlflowClient talking to the gateway."""
    return mlflow.MlflowClient()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"

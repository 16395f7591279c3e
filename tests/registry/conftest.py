"""Fixtures for the registry tests: a client of the session's stack and helpers to make models."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

import mlledger
from mlledger.testing import TestStack


@pytest.fixture(scope="session")
def client(mlledger_stack: TestStack) -> Iterator[mlledger.Client]:
    with mlledger.Client(mlledger_stack.tracking_uri, actor="registry-tests") as c:
        yield c


@pytest.fixture
def model_name() -> str:
    """A registered model name no other test uses."""
    return f"model-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def model_files(client: mlledger.Client) -> Callable[..., str]:
    """Uploads a small model directory to a fresh artifact location; returns that location."""
    def make(content: bytes = b"weights") -> str:
        location = f"mlledger-artifacts:/scratch/{uuid.uuid4().hex}"
        client.upload_artifact_bytes(location, "MLmodel", b"flavors: {}\n")
        client.upload_artifact_bytes(location, "model.bin", content)
        return location
    return make


@pytest.fixture
def ready_model(client: mlledger.Client, model_name: str, model_files: Callable[..., str]) -> Callable[[int], str]:
    """Creates `model_name` with `n` READY versions; returns the name."""
    def make(n: int) -> str:
        client.create_registered_model(model_name)
        for i in range(n):
            client.create_model_version(model_name, model_files(f"v{i + 1}".encode()))
        return model_name
    return make

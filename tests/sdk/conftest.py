"""Fixtures for SDK tests: a Client and the fluent API, both pointed at the session's real stack."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

import mlledger
from mlledger import _fluent
from mlledger.testing import TestStack


@pytest.fixture
def client(mlledger_stack: TestStack) -> Iterator[mlledger.Client]:
    """A Client of the shared stack."""
    with mlledger.Client(mlledger_stack.tracking_uri) as client:
        yield client


@pytest.fixture
def fluent(mlledger_stack: TestStack) -> Iterator[mlledger.Client]:
    """The fluent API pointed at the shared stack, in a fresh experiment; leaves no run active."""
    mlledger.set_tracking_uri(mlledger_stack.tracking_uri)
    mlledger.set_experiment(f"sdk-{uuid.uuid4().hex[:10]}")
    try:
        yield _fluent._client()
    finally:
        while mlledger.active_run() is not None:
            try:
                mlledger.end_run()
            except mlledger.errors.MlledgerError:
                pass
        _fluent._state.experiment_id = None


@pytest.fixture
def experiment_id(client: mlledger.Client) -> str:
    """A fresh experiment of the shared stack."""
    return client.create_experiment(f"exp-{uuid.uuid4().hex[:10]}")

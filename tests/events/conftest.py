"""Fixtures for the event-stream tests: a client of the session's stack, a fresh experiment."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import grpc
import pytest

import mlledger
from mlledger.testing import TestStack
from mlledger.v1 import subscriptions_pb2_grpc


@pytest.fixture(scope="session")
def client(mlledger_stack: TestStack) -> Iterator[mlledger.Client]:
    with mlledger.Client(mlledger_stack.tracking_uri, actor="events-tests") as c:
        yield c


@pytest.fixture
def experiment_id(client: mlledger.Client) -> str:
    """An experiment no other test writes to."""
    return client.create_experiment(f"events-{uuid.uuid4().hex[:10]}")


@pytest.fixture(scope="session")
def event_stub(mlledger_stack: TestStack) -> Iterator[subscriptions_pb2_grpc.EventServiceStub]:
    """An EventService stub on the registry service (any service answers alike)."""
    with grpc.insecure_channel(mlledger_stack.endpoints["registry"]) as channel:
        yield subscriptions_pb2_grpc.EventServiceStub(channel)

"""Fixtures for the hostile-input suite: a stack of its own, raw channels and data stored before the attacks."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from mlledger.testing import TestStack, running_stack

from .seed import Seeded, seed_data


@pytest.fixture(scope="package")
def hostile_stack(mlledger_infrastructure) -> Iterator[TestStack]:  # type: ignore[no-untyped-def]
    """A whole stack for this package only, so the attacks cannot disturb other tests' data."""
    with running_stack(mlledger_infrastructure) as stack:
        yield stack


@pytest.fixture(scope="package")
def channels(hostile_stack: TestStack) -> Iterator[dict[str, grpc.Channel]]:
    """One raw channel per service, with room for large requests."""
    options = [("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)]
    opened = {name: grpc.insecure_channel(address, options=options) for name, address in hostile_stack.endpoints.items()}
    yield opened
    for channel in opened.values():
        channel.close()


@pytest.fixture(scope="package")
def seeded(channels: dict[str, grpc.Channel]) -> Seeded:
    """Data stored before any attack; every test ends by reading it back."""
    return seed_data(channels)

"""Fixtures for the hostile-input suite: a stack of its own, raw channels and data stored before the attacks."""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mlledger.testing import TestStack, running_stack

from .rpcs import REQUESTS
from .seed import Seeded, read_back_everywhere, seed_data

_STARTED = time.monotonic()


@pytest.fixture(scope="package")
def hostile_stack(mlledger_infrastructure) -> Iterator[TestStack]:  # type: ignore[no-untyped-def]
    """A whole stack (with the HTTP gateway) for this package only, so the attacks cannot disturb other tests' data."""
    with running_stack(mlledger_infrastructure, gateway=True) as stack:
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
def seeded(channels: dict[str, grpc.Channel]) -> Iterator[Seeded]:
    """Data stored before any attack and never named to the attacker; it must read back on every connection
    after all the attacks, and every service must still answer SERVING."""
    data = seed_data(channels)
    yield data
    read_back_everywhere(channels, data)
    for name, channel in channels.items():
        answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=30)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING, name


@pytest.fixture(scope="package")
def targets(channels: dict[str, grpc.Channel]) -> Seeded:
    """Objects the attacks are told about, so random calls reach real rows and files."""
    return seed_data(channels)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Report how many requests the hostile-input suite sent."""
    if REQUESTS.value:
        elapsed = time.monotonic() - _STARTED
        terminalreporter.write_line(f"hostile-input suite: {REQUESTS.value} requests sent, "
                                    f"{elapsed:.0f} s since the suite was loaded")

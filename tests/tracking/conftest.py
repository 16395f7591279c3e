"""Fixtures for the tracking tests: a raw gRPC stub on the shared stack and small builders."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import grpc
import pytest

from mlledger.v1 import tracking_pb2 as pb
from mlledger.v1 import tracking_pb2_grpc

Stub = tracking_pb2_grpc.TrackingServiceStub


@pytest.fixture(scope="session")
def tracking(mlledger_stack) -> Iterator[Stub]:  # type: ignore[no-untyped-def]
    """A TrackingService stub connected to the shared stack."""
    options = [("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)]
    with grpc.insecure_channel(mlledger_stack.tracking_uri, options=options) as channel:
        yield Stub(channel)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def experiment_id(tracking: Stub) -> str:
    """A fresh experiment, so each test searches only its own runs."""
    return tracking.CreateExperiment(pb.CreateExperimentRequest(name=unique("exp"))).experiment_id


@pytest.fixture
def run_id(tracking: Stub, experiment_id: str) -> str:
    """A fresh RUNNING run in a fresh experiment."""
    return tracking.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id)).run.info.run_id


def rpc_error(call, request) -> grpc.RpcError:  # type: ignore[no-untyped-def]
    """The RpcError a call raises (fails the test when it succeeds)."""
    with pytest.raises(grpc.RpcError) as caught:
        call(request)
    return caught.value  # type: ignore[return-value]


def series(key: str, values: list[float], steps: list[int] | None = None,
           timestamps: list[int] | None = None) -> pb.MetricSeries:
    """A MetricSeries with timestamps 1..n unless given."""
    return pb.MetricSeries(key=key, values=values, steps=steps or [],
                           timestamps_ms=timestamps or list(range(1, len(values) + 1)))

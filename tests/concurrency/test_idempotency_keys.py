"""An idempotency key belongs to one call: reusing it for another call is refused, even when both
calls answer with the same response type."""

from __future__ import annotations

import uuid

import grpc
import pytest

import mlledger
from mlledger.testing import TestStack
from mlledger.v1 import tracking_pb2 as pb, tracking_pb2_grpc


@pytest.fixture(scope="module")
def stub(mlledger_stack: TestStack):
    channel = grpc.insecure_channel(mlledger_stack.tracking_uri)
    yield tracking_pb2_grpc.TrackingServiceStub(channel)
    channel.close()


def keyed(key: str) -> tuple[tuple[str, str], ...]:
    return (("x-mlledger-request-id", key),)


@pytest.fixture
def run_id(mlledger_stack: TestStack) -> str:
    with mlledger.Client(mlledger_stack.tracking_uri) as client:
        return client.create_run().info.run_id


def test_delete_then_restore_with_one_key_is_refused(stub, run_id):
    """RestoreRun with the key of an earlier DeleteRun is INVALID_ARGUMENT, and the run stays deleted."""
    key = uuid.uuid4().hex
    stub.DeleteRun(pb.DeleteRunRequest(run_id=run_id), metadata=keyed(key))
    stub.DeleteRun(pb.DeleteRunRequest(run_id=run_id), metadata=keyed(key))  # a retry: answered again
    with pytest.raises(grpc.RpcError) as caught:
        stub.RestoreRun(pb.RestoreRunRequest(run_id=run_id), metadata=keyed(key))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert stub.GetRun(pb.GetRunRequest(run_id=run_id)).run.info.lifecycle_stage == pb.DELETED


def test_log_param_and_set_tag_with_one_key_are_told_apart(stub, run_id):
    """SetTag reusing a LogParam's key is refused instead of silently answering as the param."""
    key = uuid.uuid4().hex
    stub.LogParam(pb.LogParamRequest(run_id=run_id, key="p", value="1"), metadata=keyed(key))
    with pytest.raises(grpc.RpcError) as caught:
        stub.SetTag(pb.SetTagRequest(run_id=run_id, key="t", value="1"), metadata=keyed(key))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_log_batch_keyed_like_a_stream_batch_is_refused(stub, run_id):
    """A LogBatch whose key is literally `<stream key>:0` does not collide with that stream's first batch."""
    base = uuid.uuid4().hex
    batch = pb.LogBatchRequest(run_id=run_id, metrics=[pb.MetricSeries(key="m", values=[1.0], timestamps_ms=[1])])
    stub.StreamMetrics(iter([batch]), metadata=keyed(base))
    other = pb.LogBatchRequest(run_id=run_id, metrics=[pb.MetricSeries(key="n", values=[2.0], timestamps_ms=[1])])
    with pytest.raises(grpc.RpcError) as caught:
        stub.LogBatch(other, metadata=keyed(f"{base}:0"))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT

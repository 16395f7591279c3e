"""A call whose deadline passes is cancelled on the server too, and leaves nothing behind."""

import time

import grpc
import psycopg
import pytest

import mlledger
from mlledger.v1 import tracking_pb2, tracking_pb2_grpc


def test_deadline_cancels_a_blocked_write_and_rolls_it_back(mlledger_stack):
    """An update blocked past its deadline fails DEADLINE_EXCEEDED and is not applied later."""
    client = mlledger.Client(mlledger_stack.tracking_uri)
    run = client.create_run("0", run_name="before")
    with psycopg.connect(mlledger_stack.database_url) as blocker:
        blocker.execute("SELECT 1 FROM tracking.runs WHERE run_id = %s FOR UPDATE", (run.info.run_id,))
        with grpc.insecure_channel(mlledger_stack.tracking_uri) as channel:
            stub = tracking_pb2_grpc.TrackingServiceStub(channel)
            started = time.monotonic()
            with pytest.raises(grpc.RpcError) as caught:
                stub.UpdateRun(tracking_pb2.UpdateRunRequest(run_id=run.info.run_id, run_name="after"), timeout=0.5)
            assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert time.monotonic() - started < 5
        time.sleep(0.5)
        blocker.rollback()  # release the lock: a write still pending on the server would now go through
    time.sleep(1.0)
    assert client.get_run(run.info.run_id).info.run_name == "before"
    history = [e.type for e in _events(mlledger_stack, f"run/{run.info.run_id}")]
    assert history == ["run.created"]
    client.close()


def _events(stack, stream):
    from mlledger.v1 import events_pb2, events_pb2_grpc

    with grpc.insecure_channel(stack.tracking_uri) as channel:
        reply = events_pb2_grpc.EventLogServiceStub(channel).ReadEvents(
            events_pb2.ReadEventsRequest(stream=stream, limit=100), timeout=5
        )
    return reply.events

"""Health reflects PostgreSQL: NOT_SERVING while it is down, SERVING and writable again once it is back."""

from __future__ import annotations

import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from mlledger.services.stack.ports import free_port
from mlledger.services.stack.postgres import EmbeddedPostgres
from mlledger.testing import Infrastructure, running_stack
from mlledger.v1 import tracking_pb2, tracking_pb2_grpc

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def _wait_for_health(channel: grpc.Channel, wanted: int, timeout: float = 60.0) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    deadline = time.monotonic() + timeout
    while True:
        status = stub.Check(health_pb2.HealthCheckRequest(), timeout=10).status
        if status == wanted:
            return
        assert time.monotonic() < deadline, f"health stayed {status}, expected {wanted}"
        time.sleep(0.2)


@pytest.fixture
def private_postgres(tmp_path):  # type: ignore[no-untyped-def]
    server = EmbeddedPostgres(tmp_path / "pg", free_port(), log_file=tmp_path / "pg.log")
    server.start()
    yield server
    server.stop()


def test_health_follows_the_database_and_writes_resume(mlledger_infrastructure, private_postgres):
    """Stopping PostgreSQL turns health NOT_SERVING; restarting it turns it SERVING and writes go through."""
    infra = Infrastructure(private_postgres.url, mlledger_infrastructure.nats_url, mlledger_infrastructure.data_dir)
    with running_stack(infra, services=("tracking",)) as stack, grpc.insecure_channel(stack.tracking_uri) as channel:
        tracking = tracking_pb2_grpc.TrackingServiceStub(channel)
        before = tracking.CreateExperiment(tracking_pb2.CreateExperimentRequest(name="before-outage"), timeout=30)
        _wait_for_health(channel, SERVING)
        private_postgres.stop()
        _wait_for_health(channel, NOT_SERVING)
        liveness = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="mlledger.liveness"), timeout=10)
        assert liveness.status == SERVING  # alive, only unready: nothing should restart it
        private_postgres.start()
        restarted = time.monotonic()
        _wait_for_health(channel, SERVING)
        created = None
        while created is None:
            try:
                created = tracking.CreateExperiment(tracking_pb2.CreateExperimentRequest(name="after-outage"),
                                                    timeout=30)
            except grpc.RpcError as exc:
                assert exc.code() == grpc.StatusCode.UNAVAILABLE, exc
                assert time.monotonic() - restarted < 120, "writes did not resume"
                time.sleep(0.1)
        print(f"first write {time.monotonic() - restarted:.2f} s after PostgreSQL was started again")
        again = tracking.GetExperiment(tracking_pb2.GetExperimentRequest(experiment_id=before.experiment_id),
                                       timeout=30)
        assert again.experiment.name == "before-outage"

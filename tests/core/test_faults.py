"""Faults are survived: a restarted service, a database that goes away and comes back."""

import threading
import time

import pytest

from mlledger import errors
from mlledger.transport import Transport
from mlledger.services.stack.ports import free_port
from mlledger.services.stack.postgres import EmbeddedPostgres
from mlledger.testing import running_stack
from mlledger.v1 import events_pb2, events_pb2_grpc


def read_events(transport: Transport) -> events_pb2.ReadEventsResponse:
    stub = events_pb2_grpc.EventLogServiceStub(transport.channel("tracking"))
    return transport.call(stub.ReadEvents, events_pb2.ReadEventsRequest(limit=1), write=False, timeout=5)


def test_client_reconnects_after_a_service_restart(mlledger_infrastructure):
    """One SDK transport keeps working across a restart of the service, including calls made while it is down."""
    with running_stack(mlledger_infrastructure, services=("tracking",)) as stack:
        transport = Transport(stack.tracking_uri, retry_seconds=30)
        read_events(transport)
        stack.restart("tracking")
        read_events(transport)
        stack.kill("tracking")
        restarter = threading.Timer(1.0, stack.start, args=("tracking",))
        restarter.start()
        started = time.monotonic()
        read_events(transport)  # retried until the service is back
        assert time.monotonic() - started >= 0.5
        restarter.join()
        transport.close()


@pytest.fixture
def private_postgres(tmp_path):
    server = EmbeddedPostgres(tmp_path / "pg", free_port(), log_file=tmp_path / "pg.log")
    server.start()
    yield server
    server.stop()


def test_database_outage_is_unavailable_then_recovers(mlledger_infrastructure, private_postgres):
    """With PostgreSQL down a call fails UNAVAILABLE (not INTERNAL); once it is back, calls succeed again."""
    from mlledger.testing import Infrastructure

    infra = Infrastructure(private_postgres.url, mlledger_infrastructure.nats_url, mlledger_infrastructure.data_dir)
    with running_stack(infra, services=("tracking",)) as stack:
        transport = Transport(stack.tracking_uri, retry_seconds=0)
        before = read_events(transport)
        private_postgres.stop()
        with pytest.raises(errors.Unavailable) as caught:
            read_events(transport)
        assert "database" in str(caught.value)
        private_postgres.start()
        patient = Transport(stack.tracking_uri, retry_seconds=20)
        assert read_events(patient).last_position == before.last_position
        transport.close()
        patient.close()

"""Errors cross the wire as precise statuses with details, and come back as the same classes."""

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from mlledger import errors
from mlledger.transport import Transport
from mlledger.v1 import events_pb2, events_pb2_grpc


def test_invalid_argument_names_the_field_on_the_wire(mlledger_stack):
    """A bad field yields INVALID_ARGUMENT with a BadRequest detail naming it."""
    with grpc.insecure_channel(mlledger_stack.tracking_uri) as channel:
        stub = events_pb2_grpc.EventLogServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.ReadEvents(events_pb2.ReadEventsRequest(limit=5000), timeout=5)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(caught.value)
    details = [d for d in status.details if d.Is(error_details_pb2.BadRequest.DESCRIPTOR)]
    bad_request = error_details_pb2.BadRequest()
    details[0].Unpack(bad_request)
    assert bad_request.field_violations[0].field == "limit"


def test_sdk_raises_the_matching_error_class(mlledger_stack):
    """The SDK turns the status back into mlledger.errors.InvalidArgument with the field."""
    transport = Transport(mlledger_stack.tracking_uri)
    stub = events_pb2_grpc.EventLogServiceStub(transport.channel("tracking"))
    with pytest.raises(errors.InvalidArgument) as caught:
        transport.call(stub.ReadEvents, events_pb2.ReadEventsRequest(after_position=-1), write=False)
    assert caught.value.field == "after_position"
    assert "must not be negative" in str(caught.value)
    transport.close()


def test_unreachable_service_is_unavailable_after_retries():
    """Calling an address where nothing listens ends in Unavailable once the retry budget is spent."""
    from mlledger.services.stack.ports import free_port

    transport = Transport(f"127.0.0.1:{free_port()}", retry_seconds=0.5)
    stub = events_pb2_grpc.EventLogServiceStub(transport.channel("tracking"))
    with pytest.raises(errors.Unavailable):
        transport.call(stub.ReadEvents, events_pb2.ReadEventsRequest(), write=False, timeout=2)
    transport.close()

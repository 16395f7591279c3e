"""The edge limits (`mlledger.limits`), the decode guard and the clipping of error texts, without a server."""

from __future__ import annotations

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mlledger import errors, limits
from mlledger.services.core import status as server_status
from mlledger.transport import Transport
from mlledger.services.core import paging, validation
from mlledger.v1 import registry_pb2 as rpb
from mlledger.v1 import tracking_pb2 as tpb


@pytest.mark.parametrize(("request_message", "field"), [
    (tpb.SetTagRequest(run_id="r", key="k", value="a\x00b"), "value"),
    (tpb.LogBatchRequest(run_id="r", params=[tpb.Param(key="ok"), tpb.Param(key="\x00")]), "params[1].key"),
    (tpb.CreateRunRequest(start_time=Timestamp(seconds=2**62)), "start_time"),
    (tpb.CreateRunRequest(start_time=Timestamp(seconds=1, nanos=-1)), "start_time"),
    (tpb.LogMetricRequest(run_id="r", key="m", timestamp_ms=-(2**62)), "timestamp_ms"),
    (tpb.LogBatchRequest(metrics=[tpb.MetricSeries(key="m", values=[1, 2], timestamps_ms=[1, 2**62])]),
     "metrics[0].timestamps_ms"),
    (tpb.SearchRunsRequest(order_by=["metrics.a"] * 17), "order_by"),
    (tpb.SearchRunsRequest(order_by=["x" * 501]), "order_by[0]"),
    (tpb.SearchRunsRequest(filter="x" * 20_001), "filter"),
    (tpb.GetRunRequest(run_id="r" * 257), "run_id"),
    (rpb.GetRegisteredModelRequest(name="m", as_of=rpb.AsOf(time=Timestamp(seconds=-(2**62)))), "as_of.time"),
    (rpb.CreateRegisteredModelRequest(name="m", description="y" * (limits.MAX_STRING_CHARS + 1)), "description"),
])
def test_check_message_names_the_offending_field(request_message, field):
    """Each out-of-limit field is refused with INVALID_ARGUMENT naming it."""
    with pytest.raises(errors.InvalidArgument) as caught:
        limits.check_message(request_message)
    assert caught.value.field == field


def test_ordinary_requests_and_nan_metrics_pass():
    """NaN and ±inf metric values are allowed (as in MLflow), and so are ordinary requests."""
    limits.check_message(tpb.LogMetricRequest(run_id="r", key="m", value=float("nan"), timestamp_ms=1_700_000_000_000))
    limits.check_message(tpb.LogBatchRequest(metrics=[tpb.MetricSeries(key="m", values=[float("inf")],
                                                                       timestamps_ms=[0], steps=[-(2**63)])]))
    limits.check_message(tpb.SearchRunsRequest(order_by=["metrics.a DESC"] * 16, filter="metrics.a > 1"))


def test_undecodable_bytes_become_invalid_argument():
    """Bytes that do not decode (truncated, invalid UTF-8) yield an INVALID_ARGUMENT answer, not an exception."""
    decode = validation.safe_deserializer(tpb.GetRunRequest.FromString)
    for payload in (b"\x0a\x05ab", b"\x0a\x02\xc3\x28"):
        request = decode(payload)
        with pytest.raises(errors.InvalidArgument) as caught:
            validation.check_request(request)
        assert caught.value.field == "request"
    assert decode(b"\x0a\x01r").run_id == "r"


def test_status_texts_are_clipped_to_fit_metadata():
    """A status quoting a huge value stays small enough for gRPC's metadata limit."""
    error = errors.InvalidArgument("alias", "bad alias " + "é" * 1_000_000)
    status = server_status.to_status(error)
    assert len(status.details.encode()) <= server_status.MAX_TEXT_BYTES
    assert sum(len(value) for _, value in status.trailing_metadata) < 4000
    assert limits.quote("x" * 10_000).endswith("(10000 characters)")


@pytest.mark.parametrize("token", [
    paging.offset_token(2**63), paging.offset_token(-1), "W" * 2000,
    __import__("base64").urlsafe_b64encode(b"[" * 100_000).decode()[:1000],
])
def test_page_tokens_out_of_range_are_invalid_argument(token):
    """Huge offsets, over-long and deeply nested tokens are refused naming the field."""
    with pytest.raises(errors.InvalidArgument) as caught:
        paging.read_offset(token)
    assert caught.value.field == "page_token"


def test_like_pattern_ending_in_a_single_backslash_is_refused():
    """A dangling escape is refused; an escaped backslash is fine."""
    with pytest.raises(errors.InvalidArgument):
        limits.check_like_pattern("filter", "abc\\")
    limits.check_like_pattern("filter", "abc\\\\")


def test_sdk_refuses_before_sending():
    """The SDK applies the same limits before any network call (the address here serves nothing)."""
    transport = Transport("127.0.0.1:9", retry_seconds=0)
    try:
        with pytest.raises(errors.InvalidArgument) as caught:
            transport.call(lambda *a, **k: pytest.fail("sent"), tpb.SearchRunsRequest(order_by=["a"] * 100))
        assert caught.value.field == "order_by"
    finally:
        transport.close()

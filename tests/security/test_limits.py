"""Per-principal request rates (RESOURCE_EXHAUSTED with RetryInfo; 429 with Retry-After at the gateway)
and the configured maximum message size."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import httpx
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

import mlledger
from mlledger.services.core.rate_limit import RateLimit, TokenBuckets, parse_rate, rate_limit
from mlledger.testing import TestStack, running_stack
from mlledger.v1 import tracking_pb2 as tpb
from mlledger.v1 import tracking_pb2_grpc

RATE, BURST = 5, 5


@pytest.fixture(scope="module")
def limited_stack(mlledger_infrastructure) -> Iterator[TestStack]:  # type: ignore[no-untyped-def]
    """Services limited to 5 requests/s per principal (burst 5) and 1 MiB messages; the gateway likewise."""
    env = {"MLLEDGER_RATE_LIMIT": f"{RATE}/s", "MLLEDGER_RATE_BURST": str(BURST),
           "MLLEDGER_MAX_MESSAGE_BYTES": str(1 << 20),
           "MLLEDGER_GATEWAY_RATE_LIMIT": f"{RATE}/s", "MLLEDGER_GATEWAY_RATE_BURST": str(BURST)}
    with running_stack(mlledger_infrastructure, gateway=True, extra_env=env) as stack:
        yield stack


def _get_default(stub: tracking_pb2_grpc.TrackingServiceStub, actor: str) -> grpc.RpcError | None:
    try:
        stub.GetExperiment(tpb.GetExperimentRequest(experiment_id="0"), metadata=[("x-mlledger-actor", actor)],
                           timeout=10)
    except grpc.RpcError as exc:
        return exc
    return None


def test_a_principal_over_its_rate_is_refused_with_a_retry_delay_and_others_are_not(limited_stack) -> None:  # type: ignore[no-untyped-def]
    """The greedy actor's calls past its burst get RESOURCE_EXHAUSTED naming the limit, with RetryInfo;
    another actor calling at the same moment is served."""
    with grpc.insecure_channel(limited_stack.tracking_uri) as channel:
        stub = tracking_pb2_grpc.TrackingServiceStub(channel)
        answers = [_get_default(stub, "greedy") for _ in range(4 * BURST)]
        refused = [exc for exc in answers if exc is not None]
        assert refused, "no call was refused"
        assert len(refused) >= 2 * BURST  # the burst and at most a few refills got through
        error = refused[0]
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "5 requests/s" in error.details() and "greedy" in error.details()
        status = rpc_status.from_call(error)
        infos = [d for d in status.details if d.Is(error_details_pb2.RetryInfo.DESCRIPTOR)]
        assert infos, "no RetryInfo detail"
        info = error_details_pb2.RetryInfo()
        infos[0].Unpack(info)
        assert 0 < info.retry_delay.ToTimedelta().total_seconds() <= 1 / RATE + 0.01
        assert _get_default(stub, "calm") is None


def test_the_sdk_waits_as_told_and_succeeds(limited_stack) -> None:  # type: ignore[no-untyped-def]
    """The SDK retries a rate-limited call after the server's delay, within its retry budget."""
    with mlledger.Client(limited_stack.tracking_uri, actor="patient", retry_seconds=30) as client:
        names = [client.get_experiment("0").name for _ in range(3 * BURST)]
    assert names == ["Default"] * (3 * BURST)


def test_gateway_answers_429_with_retry_after_per_principal(limited_stack) -> None:  # type: ignore[no-untyped-def]
    """Past its burst, one principal gets 429 REQUEST_LIMIT_EXCEEDED with Retry-After; another gets 200."""
    url = f"{limited_stack.gateway_uri}/api/2.0/mlflow/experiments/get"
    with httpx.Client(timeout=30) as http:
        codes = [http.get(url, params={"experiment_id": "0"}, headers={"X-Mlledger-Actor": "flood"})
                 for _ in range(3 * BURST)]
        limited = [response for response in codes if response.status_code == 429]
        assert limited, [response.status_code for response in codes]
        assert limited[0].json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
        assert int(limited[0].headers["Retry-After"]) >= 1
        other = http.get(url, params={"experiment_id": "0"}, headers={"X-Mlledger-Actor": "quiet"})
        assert other.status_code == 200
        assert http.get(f"{limited_stack.gateway_uri}/health", headers={"X-Mlledger-Actor": "flood"}).status_code == 200


def test_gateway_refuses_a_body_over_its_limit(limited_stack) -> None:  # type: ignore[no-untyped-def]
    """A JSON body larger than the gateway accepts is answered 413, not read into memory."""
    url = f"{limited_stack.gateway_uri}/api/2.0/mlflow/experiments/create"
    with httpx.Client(timeout=60) as http:
        response = http.post(url, content=b"{" + b" " * (17 << 20) + b"}", headers={"X-Mlledger-Actor": "big",
                                                                                     "Content-Type": "application/json"})
    assert response.status_code == 413


def test_a_message_over_the_configured_size_is_resource_exhausted(limited_stack) -> None:  # type: ignore[no-untyped-def]
    """With --max-message-bytes 1 MiB a 2 MiB request is refused RESOURCE_EXHAUSTED before any handler runs."""
    options = [("grpc.max_send_message_length", 64 << 20)]
    with grpc.insecure_channel(limited_stack.tracking_uri, options=options) as channel:
        stub = tracking_pb2_grpc.TrackingServiceStub(channel)
        request = tpb.CreateExperimentRequest(name="big", tags=[tpb.Tag(key="k", value="v" * (2 << 20))])
        with pytest.raises(grpc.RpcError) as failure:
            stub.CreateExperiment(request, metadata=[("x-mlledger-actor", "sizer")], timeout=30)
    assert failure.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_token_bucket_refills_at_the_rate() -> None:
    """A bucket grants its burst, then one call per 1/rate seconds, and says how long to wait."""
    now = [0.0]
    buckets = TokenBuckets(RateLimit(rate=2.0, burst=3.0), clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)
    assert buckets.take("b") == 0.0
    now[0] = 0.5
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0


@pytest.mark.parametrize(("text", "per_second"), [("200/s", 200.0), ("120/min", 2.0), ("3600/h", 1.0), ("7", 7.0)])
def test_rates_parse(text: str, per_second: float) -> None:
    """Rates are written N/s, N/min, N/h or as a bare number per second."""
    assert parse_rate(text) == per_second


@pytest.mark.parametrize("text", ["fast", "10/fortnight", "-1/s", "0/s"])
def test_bad_rates_are_refused(text: str) -> None:
    """An unreadable or non-positive rate is refused with the expected form in the message."""
    with pytest.raises(ValueError, match="rate"):
        parse_rate(text)


def test_off_by_default() -> None:
    """No rate (the laptop default) means no limiter at all."""
    assert rate_limit("", 0) is None
    assert rate_limit("10/s", 0) == RateLimit(10.0, 20.0)

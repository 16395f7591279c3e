"""Hypothesis over the search filter grammars: filters generated from each grammar, then mutated, sent to every
search RPC with order_by keys of the same kind. No answer is INTERNAL or UNKNOWN, none hangs, and a well-formed
filter is either answered or refused INVALID_ARGUMENT naming the filter or order_by."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlledger.v1 import registry_pb2 as rpb
from mlledger.v1 import registry_pb2_grpc, tracking_pb2_grpc
from mlledger.v1 import tracking_pb2 as tpb

from . import grammars
from .profile import examples
from .rpcs import HANG_SECONDS, REQUESTS
from .seed import Seeded

EXAMPLES = examples("MLLEDGER_FUZZ_FILTER_EXAMPLES", 120, 2000)
FORBIDDEN = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED}

#: (name, service, filter strategy, order_by strategy, request builder, stub method name)
Builder = Callable[[Seeded, str, list[str]], Message]
TARGETS: list[tuple[str, str, st.SearchStrategy[str], st.SearchStrategy[list[str]], Builder, str]] = [
    ("SearchRuns", "tracking", grammars.tracking_filters(), grammars.tracking_order_by(),
     lambda t, f, o: tpb.SearchRunsRequest(experiment_ids=[t.experiment_id, "0"], filter=f, order_by=o), "SearchRuns"),
    ("SearchExperiments", "tracking", grammars.tracking_filters(), grammars.tracking_order_by(),
     lambda t, f, o: tpb.SearchExperimentsRequest(filter=f, order_by=o), "SearchExperiments"),
    ("SearchRegisteredModels", "registry", grammars.registry_filters(), grammars.registry_order_by(),
     lambda t, f, o: rpb.SearchRegisteredModelsRequest(filter=f, order_by=o), "SearchRegisteredModels"),
    ("SearchModelVersions", "registry", grammars.registry_filters(), grammars.registry_order_by(),
     lambda t, f, o: rpb.SearchModelVersionsRequest(filter=f, order_by=o), "SearchModelVersions"),
]


def _stub(channels: dict[str, grpc.Channel], service: str, method: str) -> Callable[..., object]:
    if service == "tracking":
        return getattr(tracking_pb2_grpc.TrackingServiceStub(channels[service]), method)  # type: ignore[no-any-return]
    return getattr(registry_pb2_grpc.RegistryServiceStub(channels[service]), method)  # type: ignore[no-any-return]


def _answer(call: Callable[..., object], request: Message) -> tuple[grpc.StatusCode, str, str]:
    """(status, details, the field a BadRequest names) of one call."""
    REQUESTS.add()
    try:
        call(request, timeout=HANG_SECONDS)
    except grpc.RpcError as exc:
        status = rpc_status.from_call(exc)  # type: ignore[arg-type]
        field = ""
        for detail in status.details if status is not None else ():
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                field = bad.field_violations[0].field if bad.field_violations else ""
        return exc.code(), exc.details() or "", field
    return grpc.StatusCode.OK, "", ""


@pytest.mark.parametrize(("name", "service", "filters", "orders", "build", "method"), TARGETS, ids=[t[0] for t in TARGETS])
def test_well_formed_filters_are_answered_or_refused_by_name(name, service, filters, orders, build, method,  # type: ignore[no-untyped-def]
                                                             channels, targets) -> None:
    """A filter the grammar produces is answered, or refused INVALID_ARGUMENT on `filter`/`order_by[i]`."""
    call = _stub(channels, service, method)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(text=filters, order=orders)
    def attack(text: str, order: list[str]) -> None:
        code, details, field = _answer(call, build(targets, text, order))
        assert code not in FORBIDDEN, f"{name} answered {code.name}: {details[:300]}\nfilter: {text!r} {order!r}"
        if code == grpc.StatusCode.INVALID_ARGUMENT:
            assert field == "filter" or field.startswith("order_by"), f"{name}: {field!r} {details[:200]} {text!r}"

    attack()


@pytest.mark.parametrize(("name", "service", "filters", "orders", "build", "method"), TARGETS, ids=[t[0] for t in TARGETS])
def test_mutated_filters_get_a_precise_answer(name, service, filters, orders, build, method,  # type: ignore[no-untyped-def]
                                              channels, targets) -> None:
    """Filters and order_by keys cut, repeated and spliced with hostile tokens: never INTERNAL, UNKNOWN or a hang."""
    call = _stub(channels, service, method)
    order_strings = orders.map(lambda keys: keys or [""])

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(text=grammars.mutated(filters), order=st.lists(grammars.mutated(order_strings.map(" ".join)), max_size=2))
    def attack(text: str, order: list[str]) -> None:
        code, details, _ = _answer(call, build(targets, text, order))
        assert code not in FORBIDDEN, f"{name} answered {code.name}: {details[:300]}\nfilter: {text!r} {order!r}"

    attack()

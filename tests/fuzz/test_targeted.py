"""The hostile requests of issue 17, each with the precise answer it must get."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from mlledger.v1 import artifacts_pb2 as apb
from mlledger.v1 import registry_pb2 as rpb
from mlledger.v1 import subscriptions_pb2 as spb
from mlledger.v1 import tracking_pb2 as tpb

from .rpcs import all_rpcs, invoke, invoke_raw, problem
from .seed import read_back

INVALID = grpc.StatusCode.INVALID_ARGUMENT
RPCS = {f"{rpc.service}.{rpc.method.name}": rpc for rpc in all_rpcs()}


def _cases(t):  # type: ignore[no-untyped-def]
    """(rpc, request, field the answer must name) for the targets `t`."""
    upload = apb.UploadArtifactRequest
    return [
        ("tracking.CreateExperiment", tpb.CreateExperimentRequest(name="bad\x00name"), "name"),
        ("tracking.GetExperiment", tpb.GetExperimentRequest(experiment_id="1\x00"), "experiment_id"),
        ("tracking.SetTag", tpb.SetTagRequest(run_id=t.run_id, key="k", value="v\x00"), "value"),
        ("tracking.LogParam", tpb.LogParamRequest(run_id=t.run_id, key="k\x00", value="v"), "key"),
        ("tracking.LogBatch", tpb.LogBatchRequest(run_id=t.run_id, tags=[tpb.Tag(key="a", value="\x00")]),
         "tags[0].value"),
        ("tracking.CreateRun", tpb.CreateRunRequest(experiment_id=t.experiment_id, start_time=Timestamp(seconds=2**62)),
         "start_time"),
        ("tracking.UpdateRun", tpb.UpdateRunRequest(run_id=t.run_id, end_time=Timestamp(seconds=-(2**62))), "end_time"),
        ("tracking.LogMetric", tpb.LogMetricRequest(run_id=t.run_id, key="m", value=1.0, timestamp_ms=2**62),
         "timestamp_ms"),
        ("tracking.SearchRuns", tpb.SearchRunsRequest(experiment_ids=[t.experiment_id],
                                                      filter="NOT " * 5000 + "metrics.a > 1"), "filter"),
        ("tracking.SearchRuns", tpb.SearchRunsRequest(experiment_ids=[t.experiment_id],
                                                      filter="(" * 60 + "metrics.a > 1" + ")" * 60 + " AND " +
                                                      "NOT " * 70 + "metrics.b > 1"), "filter"),
        ("tracking.SearchRuns", tpb.SearchRunsRequest(experiment_ids=[t.experiment_id],
                                                      order_by=["metrics.a"] * 100_000), "order_by"),
        ("tracking.SearchExperiments", tpb.SearchExperimentsRequest(order_by=["metrics.a"] * 1000), "order_by"),
        ("tracking.SearchRuns", tpb.SearchRunsRequest(experiment_ids=[t.experiment_id],
                                                      page_token="eyJvZmZzZXQiOjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5fQ=="),
         "page_token"),
        ("tracking.SearchRuns", tpb.SearchRunsRequest(experiment_ids=[t.experiment_id],
                                                      filter="tags.t LIKE 'abc\\'"), "filter"),
        ("tracking.SearchExperiments", tpb.SearchExperimentsRequest(page_token="W" * 5000), "page_token"),
        ("registry.SearchRegisteredModels", rpb.SearchRegisteredModelsRequest(filter="name LIKE 'a\\'"), "filter"),
        ("registry.SearchRegisteredModels", rpb.SearchRegisteredModelsRequest(
            page_token="eyJvZmZzZXQiOjk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5fQ=="), "page_token"),
        ("registry.SearchModelVersions", rpb.SearchModelVersionsRequest(filter="version_number = '²'"), "filter"),
        ("registry.SearchRegisteredModels", rpb.SearchRegisteredModelsRequest(
            filter=" AND ".join(["tags.a = 'b'"] * 101)), "filter"),
        ("registry.ResolveModelUri", rpb.ResolveModelUriRequest(uri=f"models:/{t.model_name}/²"), "uri"),
        ("registry.SetRegisteredModelAlias", rpb.SetRegisteredModelAliasRequest(name=t.model_name, alias="prod\n",
                                                                                version=1), "alias"),
        ("registry.GetRegisteredModel", rpb.GetRegisteredModelRequest(
            name=t.model_name, as_of=rpb.AsOf(time=Timestamp(seconds=2**62))), "as_of.time"),
        ("registry.CreateRegisteredModel", rpb.CreateRegisteredModelRequest(name="m", description="d\x00"),
         "description"),
        ("registry.SearchModelVersions", rpb.SearchModelVersionsRequest(order_by=["name"] * 30_000), "order_by"),
        ("artifacts.UploadArtifact", upload(header=apb.UploadHeader(artifact_uri=t.location, path="n" * 300)), "path"),
        ("artifacts.ListArtifacts", apb.ListArtifactsRequest(artifact_uri="mlledger-artifacts:/" + "n" * 300), None),
        ("tracking.Subscribe", spb.SubscribeRequest(subject="\r", replay_only=True), "subject"),
        ("registry.Subscribe", spb.SubscribeRequest(subject="mlledger.run\n.created", replay_only=True), "subject"),
        ("artifacts.Subscribe", spb.SubscribeRequest(subject="mlledger.tracking.run*", replay_only=True), "subject"),
        ("tracking.PurgeRun", tpb.PurgeRunRequest(run_id="r\x00"), "run_id"),
        ("tracking.PurgeExperiment", tpb.PurgeExperimentRequest(experiment_id="x" * 300), "experiment_id"),
        ("registry.PurgeModelVersion", rpb.PurgeModelVersionRequest(name="m", version=0), "version"),
        ("artifacts.PurgeArtifacts", apb.PurgeArtifactsRequest(artifact_uri="mlledger-artifacts:/"), "artifact_uri"),
    ]


def test_each_hostile_request_is_invalid_argument_naming_its_field(channels, seeded, targets):
    """NUL bytes, out-of-range timestamps, deep filters, huge lists and tokens, '²' and newline-ended aliases."""
    failures = []
    for name, request, field in _cases(targets):
        code, details = invoke(channels[RPCS[name].service], RPCS[name], [request])
        if code != INVALID or (field is not None and field not in details):
            failures.append(f"{name} {field}: {code.name} {details[:200]}")
    assert not failures, "\n".join(failures)
    read_back(channels, seeded)


@pytest.mark.parametrize("size", [100_000, 3_000_000])
def test_errors_quoting_huge_inputs_fit_the_metadata_limit(channels, size):
    """A huge invalid value is answered INVALID_ARGUMENT, not a metadata-size failure."""
    for name, request in [
        ("registry.SetRegisteredModelAlias", rpb.SetRegisteredModelAliasRequest(name="m", alias="é" * size, version=1)),
        ("registry.ResolveModelUri", rpb.ResolveModelUriRequest(uri="é" * size)),
        ("tracking.SearchRuns", tpb.SearchRunsRequest(filter="é" * size)),
        ("registry.SearchRegisteredModels", rpb.SearchRegisteredModelsRequest(order_by=["é" * (size // 1000)])),
    ]:
        code, details = invoke(channels[RPCS[name].service], RPCS[name], [request])
        assert code == INVALID, (name, code, details[:200])
        assert len(details.encode()) < 2000


@pytest.mark.parametrize("rpc", all_rpcs(), ids=str)
def test_undecodable_requests_are_invalid_argument(channels, rpc):
    """Truncated protobuf and invalid UTF-8 in a string field are INVALID_ARGUMENT, for every RPC."""
    payloads = [b"\x0a\xff", b"\x0a\x05ab", b"\x0a\x02\xc3\x28", b"\xff\xff\xff\xff\xff"]
    for payload in payloads:
        code, details = invoke_raw(channels[rpc.service], rpc, payload)
        assert problem(rpc, code, details) is None
        # A payload may happen to decode (e.g. as unknown fields); otherwise it must be refused precisely.
        assert code != grpc.StatusCode.UNKNOWN
    code, details = invoke_raw(channels[rpc.service], rpc, b"\x0a\x02\xc3\x28")
    first = rpc.method.input_type.fields_by_number.get(1)
    if first is not None and first.type == first.TYPE_STRING:
        assert code == INVALID and "request" in details, (code, details)

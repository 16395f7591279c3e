"""Writes cut short by tiny deadlines under load poison no pooled connection: earlier data still reads back."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from mlledger.v1 import registry_pb2 as rpb
from mlledger.v1 import tracking_pb2 as tpb

from .rpcs import FORBIDDEN, REQUESTS, all_rpcs, invoke
from .seed import read_back_everywhere, stubs

WRITES = 600


def _cancelled_write(channels, seeded, rng: random.Random) -> grpc.StatusCode:  # type: ignore[no-untyped-def]
    tracking, registry, _ = stubs(channels)
    deadline = rng.choice([0.001, 0.002, 0.003, 0.005, 0.01, 0.02])
    points = rng.randint(1, 3000)
    calls = [
        lambda: tracking.LogBatch(tpb.LogBatchRequest(run_id=seeded.run_id, metrics=[tpb.MetricSeries(
            key=f"k{rng.randint(0, 5)}", values=[1.0] * points, steps=list(range(points)),
            timestamps_ms=[1_700_000_000_000] * points)]), timeout=deadline),
        lambda: tracking.CreateRun(tpb.CreateRunRequest(experiment_id=seeded.experiment_id), timeout=deadline),
        lambda: tracking.SetTag(tpb.SetTagRequest(run_id=seeded.run_id, key=f"t{rng.randint(0, 9)}", value="v"),
                                timeout=deadline),
        lambda: registry.SetRegisteredModelTag(rpb.SetRegisteredModelTagRequest(
            name=seeded.model_name, key=f"t{rng.randint(0, 9)}", value="v"), timeout=deadline),
        lambda: tracking.CreateExperiment(tpb.CreateExperimentRequest(name=f"c-{uuid.uuid4().hex}"),
                                          timeout=deadline),
    ]
    REQUESTS.add()
    try:
        rng.choice(calls)()
    except grpc.RpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


def test_cancelled_writes_leave_reads_working(channels, seeded):
    """Hundreds of writes cancelled at random points, 16 at a time, then every pooled connection still reads."""
    rngs = [random.Random(seed) for seed in range(WRITES)]
    with ThreadPoolExecutor(16) as executor:
        codes = list(executor.map(lambda rng: _cancelled_write(channels, seeded, rng), rngs))
    allowed = {grpc.StatusCode.OK, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED,
               grpc.StatusCode.ABORTED}
    assert set(codes) <= allowed, sorted({code.name for code in codes} - {code.name for code in allowed})
    assert grpc.StatusCode.DEADLINE_EXCEEDED in codes  # the test really cut writes short
    read_back_everywhere(channels, seeded)


def _plausible(rpc, targets):  # type: ignore[no-untyped-def]
    """A request to `rpc` naming the target objects, so a 1 ms deadline interrupts real work."""
    request = rpc.request_class()
    values = {"run_id": targets.run_id, "experiment_id": targets.experiment_id, "name": targets.model_name,
              "artifact_uri": targets.location, "source_uri": targets.location, "source": targets.location,
              "uri": f"models:/{targets.model_name}/1", "metric_key": "loss", "key": "t", "value": "v",
              "alias": "champion", "path": "MLmodel"}
    for field in request.DESCRIPTOR.fields:
        if field.name in values and field.type == field.TYPE_STRING and not field.is_repeated:
            setattr(request, field.name, values[field.name])
        elif field.name == "version" and field.type == field.TYPE_INT64:
            request.version = 1
    return request


@pytest.mark.parametrize("rpc", all_rpcs(), ids=str)
def test_one_millisecond_deadlines_on_every_rpc(rpc, channels, seeded, targets):  # type: ignore[no-untyped-def]
    """Calls cut short after 1-5 ms answer DEADLINE_EXCEEDED or finish; none is INTERNAL or UNKNOWN."""
    request = _plausible(rpc, targets)
    for deadline in (0.001, 0.002, 0.003, 0.005):
        code, details = invoke(channels[rpc.service], rpc, [request], timeout=deadline)
        assert code not in FORBIDDEN, f"{rpc}: {code.name} {details[:200]}"

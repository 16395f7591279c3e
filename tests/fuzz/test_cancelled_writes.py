"""Writes cut short by tiny deadlines under load poison no pooled connection: earlier data still reads back."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor

import grpc

from mlledger.v1 import registry_pb2 as rpb
from mlledger.v1 import tracking_pb2 as tpb

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

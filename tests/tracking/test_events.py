"""The tracking events a run's life publishes on NATS: subjects, order and decoded payloads."""

from __future__ import annotations

import asyncio
import math

import grpc
import nats

from mlledger.services.eventstore.model import payload_class
from mlledger.v1 import events_pb2
from mlledger.v1 import tracking_pb2 as pb
from mlledger.v1 import tracking_pb2_grpc
from tests.tracking.conftest import series, unique


async def _life_of_a_run(stub: tracking_pb2_grpc.TrackingServiceStub) -> tuple[str, str]:
    experiment_id = (await stub.CreateExperiment(pb.CreateExperimentRequest(name=unique("events")))).experiment_id
    run_id = (await stub.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id, run_name="ev"))).run.info.run_id
    await stub.SetTag(pb.SetTagRequest(run_id=run_id, key="t", value="1"))
    await stub.LogParam(pb.LogParamRequest(run_id=run_id, key="lr", value="0.1"))
    await stub.LogBatch(pb.LogBatchRequest(run_id=run_id, metrics=[series("loss", [1.0, math.nan], steps=[0, 1]),
                                                                   series("acc", [0.5])]))
    big = 60_000
    await stub.LogBatch(pb.LogBatchRequest(run_id=run_id, metrics=[
        pb.MetricSeries(key="big", values=[1.0] * big, timestamps_ms=[1] * big, steps=range(big))]))
    await stub.LogInputs(pb.LogInputsRequest(run_id=run_id, datasets=[pb.DatasetInput(dataset=pb.Dataset(name="d"))]))
    await stub.DeleteTag(pb.DeleteTagRequest(run_id=run_id, key="t"))
    await stub.UpdateRun(pb.UpdateRunRequest(run_id=run_id, status=pb.FINISHED))
    await stub.DeleteRun(pb.DeleteRunRequest(run_id=run_id))
    await stub.RestoreRun(pb.RestoreRunRequest(run_id=run_id))
    return experiment_id, run_id


async def _collect(stack) -> tuple[str, str, list[tuple[str, events_pb2.Event]]]:  # type: ignore[no-untyped-def]
    client = await nats.connect(stack.nats_url)
    received: list[tuple[str, events_pb2.Event]] = []

    async def keep(msg) -> None:  # type: ignore[no-untyped-def]
        received.append((msg.subject, events_pb2.Event.FromString(msg.data)))

    subscription = await client.subscribe(stack.subject("tracking", ">"), cb=keep)
    try:
        async with grpc.aio.insecure_channel(stack.tracking_uri) as channel:
            experiment_id, run_id = await _life_of_a_run(tracking_pb2_grpc.TrackingServiceStub(channel))
        for _ in range(100):
            if sum(1 for _, e in received if e.stream == f"run/{run_id}") >= 12:
                break
            await asyncio.sleep(0.1)
    finally:
        await subscription.unsubscribe()
        await client.close()
    return experiment_id, run_id, received


def _decode(event: events_pb2.Event):  # type: ignore[no-untyped-def]
    return payload_class(event.payload.type_url.split("/")[-1]).FromString(event.payload.value)


def test_run_events_on_nats(mlledger_stack):
    """Every change to a run is an event on <prefix>.tracking.<type>, in order, with a typed payload."""
    experiment_id, run_id, received = asyncio.run(_collect(mlledger_stack))
    mine = [(subject, event) for subject, event in received if event.stream == f"run/{run_id}"]
    # The 60,000-point batch travels as three events (25k + 25k + 10k points) so each fits a NATS message.
    types = ["run.created", "run.tag_set", "run.params_logged", *["run.metrics_logged"] * 4, "run.inputs_logged",
             "run.tag_deleted", "run.updated", "run.deleted", "run.restored"]
    assert [event.type for _, event in mine] == types
    assert [subject for subject, _ in mine] == [mlledger_stack.subject("tracking", t) for t in types]
    assert [event.stream_version for _, event in mine] == list(range(1, len(types) + 1))
    payloads = [_decode(event) for _, event in mine]
    assert (payloads[0].run_id, payloads[0].experiment_id, payloads[0].run_name) == (run_id, experiment_id, "ev")
    assert [(p.key, p.value) for p in payloads[2].params] == [("lr", "0.1")]
    small = payloads[3]
    assert [s.key for s in small.metrics] == ["loss", "acc"] and math.isnan(small.metrics[0].values[1])
    assert list(small.metrics[0].steps) == [0, 1]
    assert [len(p.metrics[0].values) for p in payloads[4:7]] == [25_000, 25_000, 10_000]
    assert payloads[6].metrics[0].steps[-1] == 59_999
    updated = payloads[types.index("run.updated")]
    assert (updated.status, updated.previous_status) == (pb.FINISHED, pb.RUNNING) and updated.HasField("end_time")
    experiment_events = [e for _, e in received if e.stream == f"experiment/{experiment_id}"]
    assert [e.type for e in experiment_events] == ["experiment.created"]

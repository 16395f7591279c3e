"""Repeats of an event (a relay republishing it beyond JetStream's duplicate window) reach no consumer twice."""

from __future__ import annotations

import asyncio

import nats

import mlledger
from mlledger.v1 import events_pb2


async def _republish(stack, subject: str, event: events_pb2.Event) -> int:
    """Publish `event` again under a fresh message id, as a relay would after the window; returns its position."""
    connection = await nats.connect(stack.nats_url)
    try:
        event.ClearField("position")
        ack = await connection.jetstream().publish(subject, event.SerializeToString(), stream=stack.stream_name,
                                                   headers={"Nats-Msg-Id": f"again-{event.id}"})
        return ack.seq
    finally:
        await connection.close()


def test_sdk_drops_a_republished_event(mlledger_stack, client, experiment_id):
    """An event id seen again at a later position is dropped; the next new event still arrives."""
    first = client.create_run(experiment_id).info.run_id
    subject = mlledger_stack.subject("tracking", "run.created")
    with mlledger.events.subscribe("mlledger.tracking.run.created", tracking_uri=mlledger_stack.tracking_uri) as sub:
        events = iter(sub)
        original = next(e for e in events if e.payload.run_id == first)
        start = original.position - 1
    repeat_position = asyncio.run(_republish(mlledger_stack, subject, events_pb2.Event.FromString(
        original.raw.SerializeToString())))
    second = client.create_run(experiment_id).info.run_id
    seen = []
    with mlledger.events.subscribe("mlledger.tracking.run.created", after_position=start,
                                   tracking_uri=mlledger_stack.tracking_uri) as sub:
        for event in sub:
            if event.payload.experiment_id == experiment_id:
                seen.append((event.payload.run_id, event.position))
            if event.payload.run_id == second:
                break
    assert [run for run, _ in seen] == [first, second]
    assert repeat_position not in [position for _, position in seen]

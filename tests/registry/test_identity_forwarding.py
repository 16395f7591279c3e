"""Calls between services carry the caller's identity: the events they produce name who acted."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import mlledger
from mlledger.testing import TestStack
from mlledger.transport import Transport
from mlledger.v1 import artifacts_pb2, events_pb2, events_pb2_grpc


def test_snapshot_event_names_the_actor_who_created_the_version(
        mlledger_stack: TestStack, model_name: str, model_files: Callable[..., str]) -> None:
    """A version created by a named actor: the artifact service's snapshot event carries that actor
    and the correlation id of the registry's event, though the registry made the snapshot call."""
    actor = f"carol-{uuid.uuid4().hex[:8]}"
    with mlledger.Client(mlledger_stack.tracking_uri, actor=actor) as carol:
        carol.create_registered_model(model_name)
        version = carol.create_model_version(model_name, model_files())
        history = carol.get_model_history(model_name)
    assert version.status == "READY" and version.storage_location

    transport = Transport(mlledger_stack.tracking_uri)
    try:
        stub = events_pb2_grpc.EventLogServiceStub(transport.channel("artifacts"))
        page = transport.call(stub.ReadEvents, events_pb2.ReadEventsRequest(
            stream=f"artifact/{version.storage_location}", limit=1000), write=False)
    finally:
        transport.close()
    snapshots = [event for event in page.events if event.type == "artifact.snapshotted"]
    assert snapshots, [event.type for event in page.events]
    assert {event.actor for event in snapshots} == {actor}
    created = next(event for event in history if event.type == "model_version.created")
    assert created.actor == actor
    assert {event.correlation_id for event in snapshots} == {created.correlation_id}
    payload = artifacts_pb2.ArtifactSnapshotted()
    snapshots[0].payload.Unpack(payload)
    assert payload.destination_uri == version.storage_location

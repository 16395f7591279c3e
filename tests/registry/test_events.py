"""Registry events as a NATS subscriber sees them: subjects name what happened, payloads say what."""

from __future__ import annotations

import asyncio

import nats

from mlledger.v1 import events_pb2, registry_pb2 as pb


def _name_of(event: events_pb2.Event) -> str:
    payload = getattr(pb, event.payload.type_url.rsplit(".", 1)[-1])()
    event.payload.Unpack(payload)
    return str(getattr(payload, "name", ""))


async def _collect(url: str, subject: str, name: str, until_count: int, action,
                   timeout: float = 10.0) -> list[events_pb2.Event]:
    """Events about model `name` on `subject`, once `action` has run and `until_count` arrived."""
    received: list[events_pb2.Event] = []
    done = asyncio.Event()
    connection = await nats.connect(url)

    async def on_message(message) -> None:
        event = events_pb2.Event.FromString(message.data)
        if _name_of(event) == name:  # earlier tests' events may still be in flight
            received.append(event)
        if len(received) >= until_count:
            done.set()

    await connection.subscribe(subject, cb=on_message)
    await connection.flush()
    await asyncio.to_thread(action)
    try:
        await asyncio.wait_for(done.wait(), timeout)
    finally:
        await connection.close()
    return received


async def test_subscriber_sees_every_registry_change(mlledger_stack, client, model_name, model_files):
    """Creating, registering, transitioning and aliasing publish the expected subjects with typed payloads."""
    source = model_files()

    def act() -> None:
        client.create_registered_model(model_name)
        client.create_model_version(model_name, source)
        client.create_model_version(model_name, source)
        client.transition_model_version_stage(model_name, 1, "Production")
        client.transition_model_version_stage(model_name, 2, "Production", archive_existing_versions=True)
        client.set_registered_model_alias(model_name, "champion", 2)

    events = await _collect(mlledger_stack.nats_url, mlledger_stack.subject("registry", ">"), model_name, 9, act)
    assert [e.type for e in events] == [
        "registered_model.created", "model_version.created", "model_version.ready", "model_version.created",
        "model_version.ready", "model_version.stage_transitioned", "model_version.stage_transitioned",
        "model_version.stage_transitioned", "alias.set"]
    assert [e.global_position for e in events] == sorted(e.global_position for e in events)
    transition = pb.ModelVersionStageTransitioned()
    events[6].payload.Unpack(transition)
    assert (transition.version, transition.from_stage, transition.to_stage) == (2, pb.STAGE_NONE, pb.STAGE_PRODUCTION)
    assert list(transition.archived_versions) == [1] and events[6].actor == "registry-tests"
    archived = pb.ModelVersionStageTransitioned()
    events[7].payload.Unpack(archived)
    assert (archived.version, archived.to_stage, archived.archived_by_version) == (1, pb.STAGE_ARCHIVED, 2)
    assert all(e.service == "registry" and e.payload.type_url.endswith(type(transition).DESCRIPTOR.full_name)
               for e in events[5:8])


async def test_subjects_allow_filtering_by_type(mlledger_stack, client, ready_model):
    """A subscriber to ...model_version.stage_transitioned gets only transitions, with the model's name."""
    name = ready_model(1)
    subject = mlledger_stack.subject("registry", "model_version.stage_transitioned")
    events = await _collect(mlledger_stack.nats_url, subject, name, 1,
                            lambda: (client.set_registered_model_tag(name, "a", "b"),
                                     client.transition_model_version_stage(name, 1, "Staging")))
    payload = pb.ModelVersionStageTransitioned()
    events[0].payload.Unpack(payload)
    assert [e.type for e in events] == ["model_version.stage_transitioned"] and payload.name == name

"""EventService.Subscribe: replay then live with no gap and no duplicate, filters, an entity's history."""

from __future__ import annotations

import threading

import grpc
import pytest

from mlledger.v1 import subscriptions_pb2 as pb, tracking_pb2


def _run_ids_of(events, experiment_id: str) -> list[str]:
    ids = []
    for event in events:
        created = tracking_pb2.RunCreated()
        event.payload.Unpack(created)
        if created.experiment_id == experiment_id:
            ids.append(created.run_id)
    return ids


def test_replay_then_live_with_writes_racing_the_seam(client, event_stub, experiment_id):
    """Runs created before, during and after the call's start all arrive once, in position order."""
    before = [client.create_run(experiment_id).info.run_id for _ in range(30)]
    during: list[str] = []
    started = threading.Event()

    def write() -> None:
        started.wait(10)
        for _ in range(60):
            during.append(client.create_run(experiment_id).info.run_id)

    writer = threading.Thread(target=write)
    writer.start()
    # A generous deadline: on a loaded machine the 60 racing writes alone can take most of a minute.
    call = event_stub.Subscribe(pb.SubscribeRequest(subject="mlledger.tracking.run.created", max_batch=7),
                                timeout=180)
    received, positions, caught_up = [], [], False
    try:
        for response in call:
            started.set()  # the writer races the replay from the first response on
            caught_up = caught_up or response.caught_up
            positions += [event.position for event in response.events]
            received += _run_ids_of(response.events, experiment_id)
            if not writer.is_alive() and len(received) >= len(before) + len(during):
                break
    finally:
        call.cancel()
        writer.join()
    assert caught_up
    assert received == before + during  # no gap, no duplicate, commit order
    assert positions == sorted(set(positions))


def test_entity_history_is_one_call(client, event_stub, experiment_id):
    """Filtering by entity returns that run's whole history; replay_only ends the call after it."""
    run = client.create_run(experiment_id)
    client.log_param(run.info.run_id, "alpha", "0.5")
    client.set_terminated(run.info.run_id)
    request = pb.SubscribeRequest(entity=f"run/{run.info.run_id}")
    live, call = [], event_stub.Subscribe(request, timeout=60)
    try:
        for response in call:  # publication trails the commit: follow live until all three are out
            live += response.events
            if len(live) >= 3:
                break
    finally:
        call.cancel()
    assert [event.type for event in live] == ["run.created", "run.params_logged", "run.updated"]
    assert [event.stream_version for event in live] == [1, 2, 3]
    request.replay_only = True
    responses = list(event_stub.Subscribe(request, timeout=60))
    assert [event.id for response in responses for event in response.events] == [event.id for event in live]
    assert responses[-1].caught_up


def test_type_filter_and_from_now(client, event_stub, experiment_id):
    """From now sends only later events; a type filter keeps only that type."""
    call = event_stub.Subscribe(pb.SubscribeRequest(from_now=True, types=["run.params_logged"]), timeout=60)
    first = next(call)
    assert first.caught_up and not first.events
    run = client.create_run(experiment_id)
    client.log_param(run.info.run_id, "beta", "1")
    try:
        for response in call:
            if response.events:
                assert {event.type for event in response.events} == {"run.params_logged"}
                if any(event.stream == f"run/{run.info.run_id}" for event in response.events):
                    break
    finally:
        call.cancel()


def test_bad_request_names_the_field(event_stub):
    """A malformed subject pattern is INVALID_ARGUMENT naming `subject`."""
    with pytest.raises(grpc.RpcError) as failure:
        list(event_stub.Subscribe(pb.SubscribeRequest(subject="mlledger..x", replay_only=True), timeout=30))
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "subject" in failure.value.details()

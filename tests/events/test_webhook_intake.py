"""The webhook dispatcher takes in only what some webhook wants, and serves each webhook every event
published after its creation (or widening), across a crash of the registry in between."""

from __future__ import annotations

import json
import time
import uuid

import psycopg
import pytest

from mlledger.services.webhooks.subjects import matches
from mlledger.v1 import subscriptions_pb2, webhooks_pb2 as pb

from tests.events.test_webhooks import SECRET, Receiver, _wait_for, webhooks  # noqa: F401 - the fixture


def _published_position(event_stub, run_id: str, entity: str = "run/{}", event_type: str = "run.created") -> int:
    """The stream position of a run's creation (or of another entity's first event of a type),
    once it has been published."""
    call = event_stub.Subscribe(subscriptions_pb2.SubscribeRequest(entity=entity.format(run_id)), timeout=60)
    try:
        for response in call:
            for event in response.events:
                if event.type == event_type:
                    return int(event.position)
    finally:
        call.cancel()
    raise AssertionError(f"{entity.format(run_id)} was never published")


def _dispatcher_position(stack) -> int:
    with psycopg.connect(stack.database_url) as conn:
        row = conn.execute("SELECT position FROM registry.consumer_checkpoints WHERE name = 'webhooks'").fetchone()
    return int(row[0]) if row else 0


def _runs_received(receiver: Receiver, experiment_id: str) -> list[str]:
    bodies = [json.loads(body) for _, body in receiver.requests]
    return [body["payload"]["run_id"] for body in bodies if body["payload"].get("experiment_id") == experiment_id]


def _runs(client, experiment_id: str, count: int) -> list[str]:
    return [client.create_run(experiment_id).info.run_id for _ in range(count)]


@pytest.fixture
def receiver():
    receiving = Receiver()
    yield receiving
    receiving.close()


def test_events_no_webhook_wants_are_not_taken_in(webhooks, client, event_stub, mlledger_stack,  # noqa: F811
                                                  experiment_id):
    """With no active webhook on tracking's subjects, runs created never reach the dispatcher."""
    wanting = [hook.name for hook in webhooks.ListWebhooks(pb.ListWebhooksRequest()).webhooks
               if hook.active and matches(hook.subject.replace("mlledger", "*", 1), "x.tracking.run.created")]
    assert not wanting, f"left behind by another test: {wanting}"
    # Once a registry event of this test is out, so is every earlier one (a webhook definition
    # another test changed, which the dispatcher does take in).
    model = client.create_registered_model(f"quiet-{uuid.uuid4().hex[:8]}")
    _published_position(event_stub, model.model_id, "registered_model/{}", "registered_model.created")
    runs = _runs(client, experiment_id, 5)
    first = _published_position(event_stub, runs[0])
    _published_position(event_stub, runs[-1])
    time.sleep(1.0)  # a dispatcher taking in every event handles these within milliseconds
    assert _dispatcher_position(mlledger_stack) < first


def test_webhook_created_just_before_a_crash_gets_every_later_event_and_no_earlier(
        webhooks, client, event_stub, mlledger_stack, experiment_id, receiver):  # noqa: F811
    """Runs published before the webhook was created are not sent to it; runs created while the registry
    (hosting the dispatcher) was down right after the creation are all sent, once each."""
    earlier = _runs(client, experiment_id, 2)
    _published_position(event_stub, earlier[-1])
    name = f"hook-{uuid.uuid4().hex[:8]}"
    webhooks.CreateWebhook(pb.CreateWebhookRequest(name=name, url=receiver.url, secret=SECRET,
                                                   subject="mlledger.tracking.run.created"))
    mlledger_stack.kill("registry")  # most likely before the dispatcher subscribed for the webhook
    try:
        later = _runs(client, experiment_id, 5)
    finally:
        mlledger_stack.start("registry")
    try:
        _wait_for(lambda: set(_runs_received(receiver, experiment_id)) >= set(later))
        time.sleep(0.5)
        assert sorted(_runs_received(receiver, experiment_id)) == sorted(later)
    finally:
        webhooks.DeleteWebhook(pb.DeleteWebhookRequest(webhook=name))


def test_webhook_activated_with_a_new_subject_gets_the_events_after_that(
        webhooks, client, event_stub, mlledger_stack, experiment_id, receiver):  # noqa: F811
    """A paused webhook on other subjects, activated with tracking's subject just before a crash, gets
    the runs created after the activation, and none from before it."""
    name = f"hook-{uuid.uuid4().hex[:8]}"
    webhooks.CreateWebhook(pb.CreateWebhookRequest(name=name, url=receiver.url, secret=SECRET, inactive=True,
                                                   subject="mlledger.registry.model_version.created"))
    try:
        paused = _runs(client, experiment_id, 2)
        _published_position(event_stub, paused[-1])
        webhooks.UpdateWebhook(pb.UpdateWebhookRequest(webhook=name, subject="mlledger.tracking.run.created",
                                                       active=True))
        mlledger_stack.kill("registry")
        try:
            later = _runs(client, experiment_id, 3)
        finally:
            mlledger_stack.start("registry")
        _wait_for(lambda: set(_runs_received(receiver, experiment_id)) >= set(later))
        more = _runs(client, experiment_id, 2)  # and the dispatcher, up again, follows live
        _wait_for(lambda: set(_runs_received(receiver, experiment_id)) >= set(later + more))
        time.sleep(0.5)
        assert sorted(_runs_received(receiver, experiment_id)) == sorted(later + more)
    finally:
        webhooks.DeleteWebhook(pb.DeleteWebhookRequest(webhook=name))

"""Webhooks: event-sourced definitions, signed deliveries with retries, a delivery log, no secret echoed."""

from __future__ import annotations

import http.server
import json
import threading
import time
import uuid
from collections.abc import Iterator

import grpc
import pytest

from mlledger.services.webhooks import signing
from mlledger.v1 import events_pb2, events_pb2_grpc, webhooks_pb2 as pb, webhooks_pb2_grpc

SECRET = "s3cret-for-tests-0123456789"


class Receiver:
    """A real HTTP server that answers 500 to the first `failures` requests, then 204."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                failing = len(receiver.requests) <= receiver.failures
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhooks(mlledger_stack) -> Iterator[webhooks_pb2_grpc.WebhookServiceStub]:
    with grpc.insecure_channel(mlledger_stack.endpoints["registry"]) as channel:
        yield webhooks_pb2_grpc.WebhookServiceStub(channel)


def _wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_failing_twice_then_succeeding_receiver_gets_the_event_once_signed(webhooks, client, mlledger_stack):
    """A receiver answering 500 twice gets the stage transition on the third attempt, validly signed, once."""
    receiver = Receiver(failures=2)
    down = Receiver()
    down.close()  # a receiver that stays down must not hold up the other one
    name = f"hook-{uuid.uuid4().hex[:8]}"
    try:
        created = webhooks.CreateWebhook(pb.CreateWebhookRequest(
            name=name, url=receiver.url, subject="mlledger.registry.model_version.stage_transitioned", secret=SECRET))
        webhooks.CreateWebhook(pb.CreateWebhookRequest(
            name=f"{name}-down", url=down.url, subject="mlledger.registry.>", secret=SECRET))
        assert created.generated_secret == "" and SECRET not in str(created)
        model = f"model-{uuid.uuid4().hex[:8]}"
        location = f"mlledger-artifacts:/scratch/{uuid.uuid4().hex}"
        client.upload_artifact_bytes(location, "MLmodel", b"flavors: {}\n")
        client.create_registered_model(model)
        client.create_model_version(model, location)
        client.transition_model_version_stage(model, 1, "Production")
        mine = lambda: [r for r in receiver.requests if json.loads(r[1])["payload"].get("name") == model]  # noqa: E731
        _wait_for(lambda: len(mine()) >= 3)
        time.sleep(1.5)  # a repeat after success would arrive within the back-off
        requests = mine()
        assert len(requests) == 3
        assert len({headers["Mlledger-Event-Id"] for headers, _ in requests}) == 1
        headers, body = requests[-1]
        assert signing.verify(SECRET, headers, body)
        assert not signing.verify("another-secret-0123456789", headers, body)
        event = json.loads(body)
        assert event["type"] == "model_version.stage_transitioned"
        assert event["payload"]["to_stage"] == "STAGE_PRODUCTION"
        log = _wait_for(lambda: [d for d in webhooks.ListWebhookDeliveries(
            pb.ListWebhookDeliveriesRequest(webhook=name)).deliveries if d.status == "delivered"])
        assert log[0].attempts == 3 and log[0].last_status_code == 204 and log[0].event_id == event["id"]
        down_log = webhooks.ListWebhookDeliveries(pb.ListWebhookDeliveriesRequest(webhook=f"{name}-down")).deliveries
        assert down_log and all(d.status == "pending" and d.last_error for d in down_log)
    finally:
        receiver.close()
        for hook in (name, f"{name}-down"):
            webhooks.DeleteWebhook(pb.DeleteWebhookRequest(webhook=hook))


def test_definitions_are_events_and_secrets_stay_out(webhooks, mlledger_stack):
    """Create, update and delete are events in the registry log; no event or listing carries the secret."""
    name = f"hook-{uuid.uuid4().hex[:8]}"
    created = webhooks.CreateWebhook(pb.CreateWebhookRequest(name=name, url="https://example.invalid/x"))
    assert len(created.generated_secret) >= 32
    hook_id = created.webhook.id
    webhooks.UpdateWebhook(pb.UpdateWebhookRequest(webhook=name, active=False, secret="a-new-secret-0123456789"))
    listed = [h for h in webhooks.ListWebhooks(pb.ListWebhooksRequest()).webhooks if h.id == hook_id]
    assert listed and not listed[0].active
    assert listed[0].secret_fingerprint == signing.fingerprint("a-new-secret-0123456789")
    webhooks.DeleteWebhook(pb.DeleteWebhookRequest(webhook=hook_id))
    with grpc.insecure_channel(mlledger_stack.endpoints["registry"]) as channel:
        log = events_pb2_grpc.EventLogServiceStub(channel).ReadEvents(
            events_pb2.ReadEventsRequest(stream=f"webhook/{hook_id}"))
    assert [e.type for e in log.events] == ["webhook.created", "webhook.updated", "webhook.deleted"]
    raw = b"".join(e.SerializeToString() for e in log.events)
    assert created.generated_secret.encode() not in raw and b"a-new-secret" not in raw


def test_bad_input_names_the_field(webhooks):
    """A non-HTTP URL or a short secret is INVALID_ARGUMENT naming the field."""
    for request, field in [(pb.CreateWebhookRequest(name="x", url="ftp://host/x"), "url"),
                           (pb.CreateWebhookRequest(name="x", url="http://h/x", secret="short"), "secret")]:
        with pytest.raises(grpc.RpcError) as failure:
            webhooks.CreateWebhook(request)
        assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT and field in failure.value.details()


def test_no_delivery_is_lost_across_a_registry_restart(webhooks, client, mlledger_stack, experiment_id):
    """Events published while the service hosting the webhooks is down are delivered once it is back."""
    receiver = Receiver()
    name = f"hook-{uuid.uuid4().hex[:8]}"
    webhooks.CreateWebhook(pb.CreateWebhookRequest(name=name, url=receiver.url,
                                                   subject="mlledger.tracking.run.created", secret=SECRET))
    mine = lambda: {json.loads(body)["payload"]["run_id"] for _, body in receiver.requests  # noqa: E731
                    if json.loads(body)["payload"].get("experiment_id") == experiment_id}
    try:
        runs = {client.create_run(experiment_id).info.run_id for _ in range(3)}
        # Deliveries are at least once: one in flight when the process dies is sent again. Kill it
        # once these are recorded, so every repeat below would be a real loss of state.
        _wait_for(lambda: len([d for d in webhooks.ListWebhookDeliveries(pb.ListWebhookDeliveriesRequest(
            webhook=name)).deliveries if d.status == "delivered"]) == 3)
        mlledger_stack.kill("registry")
        runs |= {client.create_run(experiment_id).info.run_id for _ in range(5)}
        mlledger_stack.start("registry")
        _wait_for(lambda: mine() >= runs)
        time.sleep(0.5)
        assert mine() == runs
        ids = [headers["Mlledger-Event-Id"] for headers, body in receiver.requests
               if json.loads(body)["payload"].get("experiment_id") == experiment_id]
        assert len(ids) == len(set(ids)) == len(runs)
    finally:
        receiver.close()
        webhooks.DeleteWebhook(pb.DeleteWebhookRequest(webhook=name))

"""WebhookService: create, list, update, delete and test webhooks; read their delivery logs."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import urlparse

import grpc
from mlledger import errors
from mlledger.services.core.event_stream_api import check_subject
from mlledger.services.eventstore.model import ANY, NO_STREAM, NewEvent
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction
from mlledger.services.webhooks import body as bodies, delivery, events, queries, signing
from mlledger.v1 import webhooks_pb2 as pb, webhooks_pb2_grpc

def _check_url(url: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise errors.InvalidArgument("url", f"expected an http:// or https:// URL, got {url!r}")


def _check_secret(secret: str) -> None:
    if len(secret) < 16:
        raise errors.InvalidArgument("secret", "must be at least 16 characters")


#: The event stream's last position now, or None if unknown (the dispatcher's `stream_head`).
StreamHead = Callable[[], Awaitable["int | None"]]


async def _unknown_head() -> int | None:
    return None


class WebhookApi(webhooks_pb2_grpc.WebhookServiceServicer):
    """The webhook commands, each recorded as an event in the registry log.

    A webhook is served the events published after the stream's head as read before its
    transaction (see intake.py): the commands that create or widen one read it first.
    """

    def __init__(self, store: PostgresEventStore, stream_head: StreamHead = _unknown_head) -> None:
        self.store = store
        self.s = store.schema
        self.stream_head = stream_head

    async def CreateWebhook(self, request: pb.CreateWebhookRequest, context: grpc.aio.ServicerContext
                            ) -> pb.CreateWebhookResponse:
        if not 1 <= len(request.name) <= 256:
            raise errors.InvalidArgument("name", "must be 1-256 characters")
        _check_url(request.url)
        subject = request.subject or "mlledger.>"
        check_subject(subject)
        generated = "" if request.secret else secrets.token_urlsafe(32)
        secret = request.secret or generated
        _check_secret(secret)
        head = await self.stream_head()

        async def fn(tx: Transaction) -> pb.CreateWebhookResponse:
            if await queries.name_taken(tx.conn, self.s, request.name):
                raise errors.AlreadyExists("webhook", request.name)
            webhook_id = uuid.uuid4().hex
            payload = pb.WebhookCreated(webhook_id=webhook_id, name=request.name, url=request.url, subject=subject,
                                        description=request.description, active=not request.inactive,
                                        secret_fingerprint=signing.fingerprint(secret))
            await tx.append(NewEvent(events.stream(webhook_id), events.CREATED, payload), expected_version=NO_STREAM)
            await queries.store_secret(tx.conn, self.s, webhook_id, secret)
            await queries.start_cursor(tx.conn, self.s, webhook_id, subject, head)
            return pb.CreateWebhookResponse(webhook=await queries.find(tx.conn, self.s, webhook_id),
                                            generated_secret=generated)
        return await self.store.write(fn, pb.CreateWebhookResponse)

    async def ListWebhooks(self, request: pb.ListWebhooksRequest, context: grpc.aio.ServicerContext
                           ) -> pb.ListWebhooksResponse:
        async with self.store.pool.connection() as conn:
            return pb.ListWebhooksResponse(webhooks=await queries.all_webhooks(conn, self.s))

    async def UpdateWebhook(self, request: pb.UpdateWebhookRequest, context: grpc.aio.ServicerContext
                            ) -> pb.UpdateWebhookResponse:
        if request.HasField("url"):
            _check_url(request.url)
        if request.HasField("subject"):
            check_subject(request.subject)
        if request.HasField("secret"):
            _check_secret(request.secret)
        widening = request.HasField("subject") or (request.HasField("active") and request.active)
        head = await self.stream_head() if widening else None

        async def fn(tx: Transaction) -> pb.UpdateWebhookResponse:
            hook = await queries.find(tx.conn, self.s, request.webhook, lock=True)
            payload = pb.WebhookUpdated(webhook_id=hook.id)
            for field in ("url", "subject", "description", "active"):
                if request.HasField(field):
                    setattr(payload, field, getattr(request, field))
            if request.HasField("secret"):
                payload.secret_fingerprint = signing.fingerprint(request.secret)
                await queries.replace_secret(tx.conn, self.s, hook.id, request.secret)
            await tx.append(NewEvent(events.stream(hook.id), events.UPDATED, payload), expected_version=ANY)
            if widening:
                await queries.widen_cursor(tx.conn, self.s, hook.id, payload.subject if payload.HasField("subject")
                                           else hook.subject, head, reactivated=payload.active and not hook.active)
            return pb.UpdateWebhookResponse(webhook=await queries.find(tx.conn, self.s, hook.id))
        return await self.store.write(fn, pb.UpdateWebhookResponse)

    async def DeleteWebhook(self, request: pb.DeleteWebhookRequest, context: grpc.aio.ServicerContext
                            ) -> pb.DeleteWebhookResponse:
        async def fn(tx: Transaction) -> pb.DeleteWebhookResponse:
            hook = await queries.find(tx.conn, self.s, request.webhook, lock=True)
            await tx.append(NewEvent(events.stream(hook.id), events.DELETED,
                                     pb.WebhookDeleted(webhook_id=hook.id, name=hook.name)), expected_version=ANY)
            await queries.forget(tx.conn, self.s, hook.id)
            return pb.DeleteWebhookResponse()
        return await self.store.write(fn, pb.DeleteWebhookResponse)

    async def TestWebhook(self, request: pb.TestWebhookRequest, context: grpc.aio.ServicerContext
                          ) -> pb.TestWebhookResponse:
        async with self.store.pool.connection() as conn:
            hook = await queries.find(conn, self.s, request.webhook)
            secret = await delivery.secret_of(conn, self.s, hook.id)
        body = bodies.test_body(hook.id)
        started = time.perf_counter()
        status, error = await delivery.post(hook.url, body, signing.headers(
            secret, body, event_id=f"test-{uuid.uuid4().hex}", webhook_id=hook.id, subject="mlledger.webhook.test"))
        return pb.TestWebhookResponse(ok=200 <= status < 300, status_code=status, error=error,
                                      latency_ms=(time.perf_counter() - started) * 1000)

    async def ListWebhookDeliveries(self, request: pb.ListWebhookDeliveriesRequest,
                                    context: grpc.aio.ServicerContext) -> pb.ListWebhookDeliveriesResponse:
        if not 0 <= request.limit <= 1000:
            raise errors.InvalidArgument("limit", f"must be between 0 and 1000, got {request.limit}")
        async with self.store.pool.connection() as conn:
            hook = await queries.find(conn, self.s, request.webhook)
            found = await queries.deliveries(conn, self.s, hook.id, request.limit or 50)
        return pb.ListWebhookDeliveriesResponse(deliveries=found)

"""`GET /ui-api/events`: the event stream as Server-Sent Events, fed by `EventService.Subscribe`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf import json_format
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import invalid
from mlledger.v1 import events_pb2, subscriptions_pb2, subscriptions_pb2_grpc

#: How many past events a page opened without a position is shown first.
BACKLOG = 100


def _stub(request: Request) -> subscriptions_pb2_grpc.EventServiceStub:
    """One EventService stub per application, on a channel the gateway closes at shutdown."""
    state = request.app.state
    if getattr(state, "events_stub", None) is None:
        services = state.services
        state.events_stub = subscriptions_pb2_grpc.EventServiceStub(services._channel(services.endpoints["tracking"]))
    return state.events_stub


def event_json(event: events_pb2.Event) -> dict[str, Any]:
    """An event as the page shows it; the payload decoded when its type is known."""
    try:
        payload: Any = json_format.MessageToDict(event.payload)
    except (json_format.Error, TypeError, KeyError):
        payload = {"@type": event.payload.type_url}
    return {"id": event.id, "position": event.position, "log_position": event.global_position,
            "type": event.type, "entity": event.stream,
            "service": event.service, "actor": event.actor, "correlation_id": event.correlation_id,
            "time": event.time.ToMilliseconds(), "payload": payload}


async def stream(request: Request) -> Response:
    """Events after `after` (a position, `now`, the Last-Event-ID header, else the last 100), filtered by
    `subject` and `entity`."""
    caller = Caller.of(request)
    query = request.query_params
    after_text = request.headers.get("last-event-id") or query.get("after", "")
    try:
        after = int(after_text) if after_text and after_text != "now" else -1
    except ValueError:
        return invalid(f"Invalid value '{after_text}' for parameter 'after': expected a position or 'now'").response()
    stub = _stub(request)
    if after < 0:
        info = await caller.call(stub.GetStreamInfo, subscriptions_pb2.GetStreamInfoRequest())
        # A page that already shows the current state (a run page) asks only for what happens next.
        after = info.last_position if after_text == "now" else max(0, info.last_position - BACKLOG)
    subscribe = subscriptions_pb2.SubscribeRequest(after_position=after, subject=query.get("subject", ""),
                                                   entity=query.get("entity", ""))

    async def body() -> AsyncIterator[str]:
        yield ": connected\n\n"
        call = caller.stream_out(stub.Subscribe, subscribe)
        try:
            async for batch in call:
                for event in batch.events:
                    yield f"id: {event.position}\ndata: {json.dumps(event_json(event))}\n\n"
                if batch.caught_up:
                    yield "event: caught_up\ndata: {}\n\n"
        except grpc.aio.AioRpcError as exc:
            yield f"event: failure\ndata: {json.dumps({'message': exc.details() or str(exc.code())})}\n\n"
        finally:
            call.cancel()

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"cache-control": "no-cache", "x-accel-buffering": "no"})

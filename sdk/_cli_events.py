"""`mlledger events tail`: the deployment's events on a terminal, one coloured line each, or JSON lines."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click
import grpc
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.message import Message

from mlledger.transport import Transport
from mlledger.v1 import (  # noqa: F401 - payload types must be known to decode them
    artifacts_pb2, events_pb2, registry_pb2, subscriptions_pb2 as pb, subscriptions_pb2_grpc, tracking_pb2,
    webhooks_pb2,
)

#: Payload fields shown on a tail line when present, in this order.
KEY_FIELDS = ("name", "version", "from_stage", "to_stage", "alias", "key", "value", "run_name", "experiment_id",
              "status", "path", "url", "subject")
SERVICE_COLOURS = {"tracking": "cyan", "registry": "magenta", "artifacts": "yellow"}


def decode_payload(event: events_pb2.Event) -> Message:
    """The event's payload as its generated message."""
    descriptor = descriptor_pool.Default().FindMessageTypeByName(event.payload.type_url.rpartition("/")[2])
    return message_factory.GetMessageClass(descriptor).FromString(event.payload.value)


def event_json(event: events_pb2.Event) -> dict[str, Any]:
    """An event as one JSON object, payload decoded."""
    payload = json_format.MessageToDict(decode_payload(event), preserving_proto_field_name=True)
    return {"position": event.position, "id": event.id, "service": event.service, "type": event.type,
            "entity": event.stream, "entity_version": event.stream_version, "time": event.time.ToJsonString(),
            "actor": event.actor, "correlation_id": event.correlation_id, "payload": payload}


def key_fields(payload: dict[str, Any]) -> str:
    """The payload's most telling fields, as "name=x version=2 to_stage=STAGE_PRODUCTION"."""
    shown = [f"{key}={payload[key]}" for key in KEY_FIELDS if key in payload]
    return " ".join(shown) or ", ".join(sorted(payload))[:80]


def parse_since(since: str) -> dict[str, Any]:
    """A position ("1234") or an ISO time ("2026-11-29T18:00:00Z", or "10m"/"2h" ago) as request fields."""
    if not since:
        return {"from_now": True}
    if since.isdigit():
        return {"after_position": int(since)}
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if since[:-1].isdigit() and since[-1] in units:
        when = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=int(since[:-1]) * units[since[-1]])
    else:
        try:
            when = dt.datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError as exc:
            raise click.BadParameter("expected a position, an ISO time or a duration like 10m", param_hint="--since") from exc
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
    request: dict[str, Any] = {"since_time": when}
    return request


@click.group(short_help="Watch the deployment's event stream.")
def events() -> None:
    """The deployment's events: every change of every service, in one order (see docs/events.md)."""


@events.command(short_help="Print events as they happen, one line each.")
@click.option("--subject", default="", help="NATS subject pattern, e.g. 'mlledger.registry.>' [default: all].")
@click.option("--since", default="", help="Start after a position, or at a time (ISO, or 10m/2h ago) [default: now].")
@click.option("--type", "types", multiple=True, help="Only this event type (repeatable).")
@click.option("--entity", default="", help="Only this entity, e.g. run/<id>.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, for pipes.")
@click.option("--tracking-uri", envvar="MLLEDGER_TRACKING_URI", default=None, help="Any service's address.")
def tail(subject: str, since: str, types: tuple[str, ...], entity: str, as_json: bool, tracking_uri: str | None) -> None:
    """Print each event as it happens: time, position, subject, entity, actor and key payload fields."""
    from rich.console import Console
    from rich.text import Text

    fields = parse_since(since)
    since_time = fields.pop("since_time", None)
    request = pb.SubscribeRequest(subject=subject, types=types, entity=entity, **fields)
    if since_time is not None:
        request.since_time.FromDatetime(since_time)
    transport = Transport(tracking_uri)
    stub = subscriptions_pb2_grpc.EventServiceStub(transport.channel("tracking"))
    console = Console(highlight=False, soft_wrap=True)
    try:
        for response in stub.Subscribe(request, metadata=transport.metadata(write=False)):
            for event in response.events:
                record = event_json(event)
                if as_json:
                    sys.stdout.write(json.dumps(record) + "\n")
                    sys.stdout.flush()
                    continue
                line = Text()
                line.append(event.time.ToDatetime().strftime("%H:%M:%S.%f")[:-3], style="dim")
                line.append(f" {event.position:>8} ", style="dim")
                line.append(f"{event.service}.{event.type}", style=f"bold {SERVICE_COLOURS.get(event.service, 'white')}")
                line.append(f" {event.stream}", style="green")
                line.append(f" by {event.actor}", style="blue")
                line.append(f"  {key_fields(record['payload'])}")
                console.print(line)
    except KeyboardInterrupt:
        pass
    except grpc.RpcError as exc:
        raise click.ClickException(f"{exc.code().name}: {exc.details()}") from exc
    finally:
        transport.close()

"""`mlledger webhooks create|list|update|delete|test|deliveries`: manage webhooks from a terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from mlledger import errors
from mlledger.transport import Transport
from mlledger.v1 import webhooks_pb2 as pb, webhooks_pb2_grpc

_uri = click.option("--tracking-uri", envvar="MLLEDGER_TRACKING_URI", default=None, help="The deployment's address.")


@contextmanager
def _calls() -> Iterator[Callable[[str, Any], Any]]:
    ctx = click.get_current_context()
    transport = Transport(ctx.params.get("tracking_uri"))
    stub = webhooks_pb2_grpc.WebhookServiceStub(transport.channel("registry"))

    def call(method: str, request: Any) -> Any:
        try:
            return transport.call(getattr(stub, method), request, write=not method.startswith(("List", "Test")))
        except errors.MlledgerError as exc:
            raise click.ClickException(str(exc)) from exc
    try:
        yield call
    finally:
        transport.close()


def _print_webhooks(hooks: list[pb.Webhook]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "id", "url", "subject", "active", "secret", "updated")
    for h in hooks:
        table.add_row(h.name, h.id[:12], h.url, h.subject, "yes" if h.active else "[red]paused[/red]",
                      f"…{h.secret_fingerprint}", h.updated_at.ToDatetime().strftime("%Y-%m-%d %H:%M:%S"))
    Console().print(table)


@click.group(short_help="Send events to HTTP endpoints, signed.")
def webhooks() -> None:
    """Webhooks POST events matching a subject pattern to a URL, signed with HMAC-SHA256 (docs/webhooks.md)."""


@webhooks.command(short_help="Create a webhook.")
@click.argument("name")
@click.option("--url", required=True, help="http(s) URL the events are POSTed to.")
@click.option("--subject", default="mlledger.>", show_default=True, help="NATS subject pattern of the events sent.")
@click.option("--secret", envvar="MLLEDGER_WEBHOOK_SECRET", default="",
              help="Signing secret (>= 16 characters) [default: generated and shown once].")
@click.option("--description", default="")
@click.option("--inactive", is_flag=True, help="Create it paused.")
@_uri
def create(name: str, url: str, subject: str, secret: str, description: str, inactive: bool,
           tracking_uri: str | None) -> None:
    """Create webhook NAME; a generated secret is printed this once, a given one never."""
    with _calls() as call:
        response = call("CreateWebhook", pb.CreateWebhookRequest(name=name, url=url, subject=subject, secret=secret,
                                                                 description=description, inactive=inactive))
    _print_webhooks([response.webhook])
    if response.generated_secret:
        click.echo(f"secret (shown once, keep it to verify signatures): {response.generated_secret}")


@webhooks.command(name="list", short_help="List webhooks.")
@_uri
def list_(tracking_uri: str | None) -> None:
    """List every webhook (secrets are never shown, only their fingerprints)."""
    with _calls() as call:
        _print_webhooks(list(call("ListWebhooks", pb.ListWebhooksRequest()).webhooks))


@webhooks.command(short_help="Change a webhook.")
@click.argument("webhook")
@click.option("--url", default=None)
@click.option("--subject", default=None)
@click.option("--secret", default=None, help="A new signing secret.")
@click.option("--description", default=None)
@click.option("--active/--paused", default=None, help="Resume or pause deliveries.")
@_uri
def update(webhook: str, url: str | None, subject: str | None, secret: str | None, description: str | None,
           active: bool | None, tracking_uri: str | None) -> None:
    """Change WEBHOOK (id or name); only the options given change."""
    fields = {k: v for k, v in dict(url=url, subject=subject, secret=secret, description=description,
                                    active=active).items() if v is not None}
    with _calls() as call:
        request = pb.UpdateWebhookRequest(webhook=webhook)
        for name, value in fields.items():
            setattr(request, name, value)
        response = call("UpdateWebhook", request)
    _print_webhooks([response.webhook])


@webhooks.command(short_help="Delete a webhook.")
@click.argument("webhook")
@_uri
def delete(webhook: str, tracking_uri: str | None) -> None:
    """Delete WEBHOOK (id or name) and drop its pending deliveries."""
    with _calls() as call:
        call("DeleteWebhook", pb.DeleteWebhookRequest(webhook=webhook))
    click.echo(f"deleted {webhook}")


@webhooks.command(short_help="Send a test event now.")
@click.argument("webhook")
@_uri
def test(webhook: str, tracking_uri: str | None) -> None:
    """POST a signed "webhook.test" event to WEBHOOK once and show the answer; exits 1 if not 2xx."""
    with _calls() as call:
        result = call("TestWebhook", pb.TestWebhookRequest(webhook=webhook))
    click.echo(f"{'ok' if result.ok else 'failed'}: status {result.status_code} in {result.latency_ms:.1f} ms"
               + (f" ({result.error})" if result.error else ""))
    if not result.ok:
        raise SystemExit(1)


@webhooks.command(short_help="Show a webhook's delivery log.")
@click.argument("webhook")
@click.option("--limit", type=int, default=50, show_default=True)
@_uri
def deliveries(webhook: str, limit: int, tracking_uri: str | None) -> None:
    """The newest deliveries of WEBHOOK: status, attempts, last error, latency."""
    from rich.console import Console
    from rich.table import Table

    with _calls() as call:
        rows = call("ListWebhookDeliveries", pb.ListWebhookDeliveriesRequest(webhook=webhook, limit=limit)).deliveries
    colours = {"delivered": "green", "pending": "yellow", "failed": "red"}
    table = Table("position", "subject", "status", "attempts", "code", "latency", "last error", "event id")
    for d in rows:
        table.add_row(str(d.position), d.subject, f"[{colours.get(d.status, 'white')}]{d.status}[/]", str(d.attempts),
                      str(d.last_status_code or ""), f"{d.latency_ms:.1f} ms", d.last_error[:60], d.event_id[:8])
    Console().print(table)

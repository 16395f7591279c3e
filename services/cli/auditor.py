"""`mlledger auditor`: keep a hash-chained audit log of every event; `mlledger auditor verify` checks it."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import click

from mlledger.transport import Transport
from mlledger.v1 import events_pb2, events_pb2_grpc

_uri = click.option("--tracking-uri", envvar="MLLEDGER_TRACKING_URI", default=None, help="The deployment's address.")


@click.group(invoke_without_command=True, short_help="Keep or verify an append-only audit log of every event.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("audit.jsonl"), show_default=True,
              help="The audit log (JSON lines); appended to, and resumed from after a restart.")
@click.option("--durable", default="mlledger-auditor", show_default=True, help="JetStream durable consumer name.")
@click.option("--once", is_flag=True, help="Stop when caught up instead of following live.")
@_uri
@click.pass_context
def auditor(ctx: click.Context, out: Path, durable: str, once: bool, tracking_uri: str | None) -> None:
    """Append every event of every service to OUT: who, what, when, which entity, event id and
    positions, with a hash chain over the lines so any edit is detectable. Runs until Ctrl-C."""
    if ctx.invoked_subcommand is not None:
        return
    from mlledger.events import stream_info
    from mlledger.services.auditor.audit_log import run_auditor
    from mlledger.jetstream import Subscription

    info = stream_info(tracking_uri)
    subscription = Subscription(info.nats_url, info.stream_name, info.subject_prefix, durable=durable)

    async def _run() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await run_auditor(out, subscription, until_idle=once, stop=stop)

    written = asyncio.run(_run())
    click.echo(f"audited {written} new events into {out}", err=True)


def _read_log(transport: Transport, service: str) -> Iterator[events_pb2.Event]:
    stub = events_pb2_grpc.EventLogServiceStub(transport.channel(service))
    after = 0
    while True:
        page = transport.call(stub.ReadEvents, events_pb2.ReadEventsRequest(after_position=after, limit=1000),
                              write=False)
        yield from page.events
        if len(page.events) < 1000:
            return
        after = page.last_position


@auditor.command(short_help="Compare an audit log with every service's event log.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default="audit.jsonl")
@_uri
def verify(path: Path, tracking_uri: str | None) -> None:
    """Report missing, extra, altered and reordered lines of PATH; exits 1 if there are any."""
    from mlledger.services.auditor.verify import verify as check

    transport = Transport(tracking_uri)
    try:
        services = sorted(transport.endpoints())
        findings = check(path, services, lambda service: _read_log(transport, service))
    finally:
        transport.close()
    for line in findings.report():
        click.echo(line)
    if not findings.ok:
        raise SystemExit(1)

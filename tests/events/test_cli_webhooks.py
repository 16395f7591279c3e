"""`mlledger webhooks`: create, list, test, update, deliveries and delete from a terminal, secrets never shown."""

from __future__ import annotations

import uuid

from click.testing import CliRunner

from mlledger.cli import main

from tests.events.test_webhooks import Receiver


def test_webhook_commands(mlledger_stack):
    """Every subcommand works; a generated secret is printed once and never listed."""
    runner = CliRunner(env={"COLUMNS": "250"})  # rich tables wide enough to show whole values
    uri = ["--tracking-uri", mlledger_stack.tracking_uri]
    name = f"cli-{uuid.uuid4().hex[:8]}"
    receiver = Receiver()
    try:
        created = runner.invoke(main, ["webhooks", "create", name, "--url", receiver.url, *uri])
        assert created.exit_code == 0, created.output
        secret = created.output.strip().rsplit(" ", 1)[-1]
        assert len(secret) >= 32
        listed = runner.invoke(main, ["webhooks", "list", *uri], terminal_width=200)
        assert name in listed.output and secret not in listed.output
        tested = runner.invoke(main, ["webhooks", "test", name, *uri])
        assert tested.exit_code == 0 and tested.output.startswith("ok: status 204"), tested.output
        # The webhook also receives the events it subscribes to, so the ping need not come last.
        assert any(b"webhook.test" in body for _, body in receiver.requests)
        paused = runner.invoke(main, ["webhooks", "update", name, "--paused", *uri], terminal_width=200)
        assert paused.exit_code == 0 and "paused" in paused.output
        log = runner.invoke(main, ["webhooks", "deliveries", name, *uri], terminal_width=200)
        assert log.exit_code == 0 and "status" in log.output
        missing = runner.invoke(main, ["webhooks", "test", "no-such-hook", *uri])
        assert missing.exit_code == 1 and "no-such-hook" in missing.output
    finally:
        assert runner.invoke(main, ["webhooks", "delete", name, *uri]).exit_code == 0
        receiver.close()

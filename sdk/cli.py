"""The `mlledger` command: the SDK's client commands, and the server commands installed beside it."""

from __future__ import annotations

from importlib.metadata import entry_points

import click

from mlledger import __version__

#: Entry-point group through which installed server packages add their commands (`up`, `serve`, ...).
COMMANDS_GROUP = "mlledger.commands"


class _Commands(click.Group):
    """The command group, completed on first use by the commands of installed server packages.

    The SDK never imports the servers: `mlledger.services.cli` registers `up`, `serve`,
    `gateway` and the other server commands through the `mlledger.commands` entry point.
    """

    _discovered = False

    def _discover(self) -> None:
        if not self._discovered:
            self._discovered = True
            for entry in entry_points(group=COMMANDS_GROUP):
                entry.load()(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._discover()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._discover()
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="mlledger")
def main() -> None:
    """mlledger: experiment tracking, model registry and artifacts as event-sourced gRPC services.

    Start everything on this machine with `mlledger up`; point the SDK at it with nothing to
    configure. In production run each service with `mlledger serve NAME` against your own
    PostgreSQL and NATS.
    """


# Command groups live in their own modules and register last.
from mlledger._cli_events import events as _events  # noqa: E402
from mlledger._cli_models import models as _models  # noqa: E402
from mlledger._cli_projects import run_command as _run  # noqa: E402
from mlledger._cli_webhooks import webhooks as _webhooks  # noqa: E402

for _group in (_run, _models, _events, _webhooks):
    main.add_command(_group)

"""The server side of the `mlledger` command: `up`, `serve`, `rebuild`, `relay`, `gateway`, `deployer`, `auditor`.

Registered with the SDK's command group through the `mlledger.commands` entry point, so the SDK
never imports the servers.
"""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add the server commands to the `mlledger` command group."""
    from mlledger.services.cli.auditor import auditor
    from mlledger.services.cli.deployer import deployer
    from mlledger.services.cli.gateway import gateway
    from mlledger.services.cli.stack import COMMANDS

    for command in (*COMMANDS, auditor, gateway, deployer):
        main.add_command(command)

"""`mlledger tokens create|list|revoke`, `mlledger permissions grant|revoke|list`, `mlledger whoami`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click
from google.protobuf.timestamp_pb2 import Timestamp

from mlledger import errors
from mlledger._client_auth import KINDS, ROLES
from mlledger._credentials import save_token

if TYPE_CHECKING:
    from mlledger.client import Client

_uri = click.option("--tracking-uri", envvar="MLLEDGER_TRACKING_URI", default=None, help="The deployment's address.")


@contextmanager
def _client(tracking_uri: str | None) -> Iterator[Client]:
    from mlledger.client import Client

    client = Client(tracking_uri)
    try:
        yield client
    except errors.MlledgerError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        client.close()


def _time(stamp: Timestamp) -> str:
    return stamp.ToDatetime().strftime("%Y-%m-%d %H:%M") if stamp.seconds else ""


@click.command()
@_uri
def whoami(tracking_uri: str | None) -> None:
    """Print who the deployment sees you as."""
    with _client(tracking_uri) as client:
        me = client.whoami()
    state = "on" if me.auth_enabled else "off (everyone is an administrator)"
    click.echo(f"{me.principal}{' (administrator)' if me.is_admin else ''} — authentication {state}")


@click.group()
def tokens() -> None:
    """API tokens: create one (shown once), list them, revoke one."""


@tokens.command("create")
@click.argument("name")
@click.option("--principal", default="", help="Whom the token authenticates as (administrators only; default: you).")
@click.option("--expires-in-days", type=int, default=0, show_default=True, help="0 for never.")
@click.option("--save", is_flag=True, help="Also store it in the credentials file (~/.mlledger/credentials).")
@click.option("--profile", default=None, help="The credentials file's profile to store it under.")
@_uri
def create_token(name: str, principal: str, expires_in_days: int, save: bool, profile: str | None,
                 tracking_uri: str | None) -> None:
    """Create an API token NAME and print its secret (shown only this once)."""
    with _client(tracking_uri) as client:
        created = client.create_token(name, principal=principal, expires_in_days=expires_in_days)
    click.echo(created.secret)
    click.echo(f"token {created.token.id} for {created.token.principal}: store the secret now, it is not shown again",
               err=True)
    if save:
        click.echo(f"saved in {save_token(created.secret, profile)}", err=True)


@tokens.command("list")
@click.option("--principal", default="", help="Whose tokens (administrators: anyone's; default: yours / all).")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens.")
@_uri
def list_tokens(principal: str, include_revoked: bool, tracking_uri: str | None) -> None:
    """List API tokens (never their secrets)."""
    from rich.console import Console
    from rich.table import Table

    with _client(tracking_uri) as client:
        found = client.list_tokens(principal, include_revoked=include_revoked)
    table = Table("id", "name", "principal", "prefix", "created", "expires", "revoked")
    for t in found:
        table.add_row(t.id, t.name, t.principal, t.prefix + "…", _time(t.created_at), _time(t.expires_at),
                      _time(t.revoked_at))
    Console().print(table)


@tokens.command("revoke")
@click.argument("token_id")
@_uri
def revoke_token(token_id: str, tracking_uri: str | None) -> None:
    """Revoke token TOKEN_ID: every service refuses it from now on."""
    with _client(tracking_uri) as client:
        revoked = client.revoke_token(token_id)
    click.echo(f"revoked {revoked.id} ({revoked.name}, {revoked.principal})")


@click.group()
def permissions() -> None:
    """Roles (READ, EDIT, MANAGE) on experiments and models, and the administrator role."""


_kind = click.argument("kind", type=click.Choice(sorted(KINDS), case_sensitive=False))


@permissions.command("grant")
@_kind
@click.argument("resource")
@click.argument("principal")
@click.argument("role", type=click.Choice(ROLES, case_sensitive=False))
@_uri
def grant(kind: str, resource: str, principal: str, role: str, tracking_uri: str | None) -> None:
    """Give PRINCIPAL the ROLE on an experiment (by id) or a model (by name); `system "" NAME MANAGE` makes an admin."""
    with _client(tracking_uri) as client:
        client.grant_permission(kind, resource, principal, role)
    click.echo(f"{principal} has {role.upper()} on {kind} {resource!r}")


@permissions.command("revoke")
@_kind
@click.argument("resource")
@click.argument("principal")
@_uri
def revoke(kind: str, resource: str, principal: str, tracking_uri: str | None) -> None:
    """Remove PRINCIPAL's role on the resource (its default applies again)."""
    with _client(tracking_uri) as client:
        client.revoke_permission(kind, resource, principal)
    click.echo(f"{principal} has no role of its own on {kind} {resource!r} any more")


@permissions.command("list")
@click.option("--kind", type=click.Choice(sorted(KINDS), case_sensitive=False), default=None)
@click.option("--resource", default="", help="Experiment id or model name.")
@click.option("--principal", default="", help="Only this principal's roles.")
@_uri
def list_permissions(kind: str | None, resource: str, principal: str, tracking_uri: str | None) -> None:
    """List recorded roles."""
    with _client(tracking_uri) as client:
        found = client.list_permissions(kind or "", resource, principal)
    for p in found:
        click.echo(f"{p.kind}\t{p.resource}\t{p.principal}\t{p.role}")

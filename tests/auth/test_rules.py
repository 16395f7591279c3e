"""Pieces that need no stack: every RPC has a rule, credentials are found, the gateway parses them."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from mlledger import _credentials
from mlledger.services.auth import policy
from mlledger.services.auth.settings import AuthSettings, parse_role
from mlledger.services.gateway.auth import credential_of
from mlledger.v1 import artifacts_pb2, registry_pb2, tracking_pb2


@pytest.mark.parametrize("module", [tracking_pb2, registry_pb2, artifacts_pb2])
def test_every_rpc_of_the_data_services_has_a_rule(module) -> None:  # type: ignore[no-untyped-def]
    """Each tracking, registry and artifact RPC names the role it needs (or is explicitly for services or
    administrators only), so none is left to the admin-only default."""
    for service in module.DESCRIPTOR.services_by_name.values():
        for method in service.methods:
            name = f"/{service.full_name}/{method.name}"
            assert name in policy.RULES or name in policy.SERVICE_ONLY or name in policy.ADMIN_ONLY, name


async def test_a_protected_stage_needs_manage_and_others_edit() -> None:
    """Moving to Production needs MANAGE on the model, to Staging EDIT; the stage list is configurable."""
    rule = policy.RULES[policy.REGISTRY + "TransitionModelVersionStage"]
    settings = AuthSettings()
    production = registry_pb2.TransitionModelVersionStageRequest(name="m", stage=registry_pb2.STAGE_PRODUCTION)
    staging = registry_pb2.TransitionModelVersionStageRequest(name="m", stage=registry_pb2.STAGE_STAGING)
    assert [n.role for n in await rule(production, policy.Resolvers(), settings)] == [3]
    assert [n.role for n in await rule(staging, policy.Resolvers(), settings)] == [2]
    strict = AuthSettings(protected_stages=("Production", "Staging"))
    assert [n.role for n in await rule(staging, policy.Resolvers(), strict)] == [3]


def test_roles_parse_by_name() -> None:
    """Role settings accept READ, EDIT, MANAGE and NONE, and name the bad value otherwise."""
    assert [parse_role(r) for r in ("none", "READ", "edit", "Manage")] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="'OWNER'"):
        parse_role("OWNER")


def test_the_token_comes_from_the_argument_the_environment_or_the_file(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit token wins over MLLEDGER_TOKEN, which wins over the credentials file's profile."""
    monkeypatch.setenv("MLLEDGER_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.delenv("MLLEDGER_TOKEN", raising=False)
    assert _credentials.find_token() is None
    path = _credentials.save_token("mlt_from_file")
    _credentials.save_token("mlt_other_profile", profile="ci")
    assert path.stat().st_mode & 0o777 == 0o600
    assert _credentials.find_token() == "mlt_from_file"
    assert _credentials.find_token(profile="ci") == "mlt_other_profile"
    monkeypatch.setenv("MLLEDGER_TOKEN", "mlt_from_env")
    assert _credentials.find_token() == "mlt_from_env"
    assert _credentials.find_token("mlt_explicit") == "mlt_explicit"


def test_the_gateway_reads_bearer_and_basic_credentials() -> None:
    """Bearer gives the token; Basic gives the password (or the user name when there is none)."""
    basic = base64.b64encode(b"alice:mlt_secret").decode()
    only_user = base64.b64encode(b"mlt_as_user:").decode()
    assert credential_of("Bearer mlt_abc") == "mlt_abc"
    assert credential_of(f"Basic {basic}") == "mlt_secret"
    assert credential_of(f"basic {only_user}") == "mlt_as_user"
    assert credential_of("Basic !!!") == "" and credential_of("Digest x") == "" and credential_of("") == ""

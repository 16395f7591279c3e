"""Authentication off (the default, as with `mlledger up`): nothing to set up, everyone an administrator."""

from __future__ import annotations

import mlledger
from mlledger.testing import TestStack


def test_without_auth_calls_need_no_credentials(mlledger_stack: TestStack) -> None:
    """The caller is the named actor, an administrator, and may still prepare tokens for later."""
    with mlledger.Client(mlledger_stack.tracking_uri, actor="laptop-user") as client:
        me = client.whoami()
        assert (me.principal, me.is_admin, me.auth_enabled) == ("laptop-user", True, False)
        experiment_id = client.create_experiment("no-auth-needed")
        client.log_param(client.create_run(experiment_id).info.run_id, "a", "1")
        created = client.create_token("prepared", principal="ci")
        assert created.secret.startswith("mlt_") and created.token.principal == "ci"

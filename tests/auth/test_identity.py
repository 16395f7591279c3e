"""Who a call comes from: API tokens, JWTs, configured credentials; the actor on events is the principal."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import grpc
import psycopg
import pytest

import mlledger
from mlledger import errors
from mlledger.testing import TestStack
from mlledger.v1 import auth_pb2, auth_pb2_grpc, tracking_pb2, tracking_pb2_grpc

from .conftest import Issuer


def _stub(address: str) -> tracking_pb2_grpc.TrackingServiceStub:
    return tracking_pb2_grpc.TrackingServiceStub(grpc.insecure_channel(address))


def test_a_call_without_credentials_is_refused(auth_stack: TestStack) -> None:
    """With authentication on, a call that carries no credential is UNAUTHENTICATED on every service."""
    with mlledger.Client(auth_stack.tracking_uri) as anonymous:
        with pytest.raises(errors.Unauthenticated, match="requires authentication"):
            anonymous.search_experiments()
    for address in auth_stack.endpoints.values():
        stub = auth_pb2_grpc.AuthServiceStub(grpc.insecure_channel(address))
        with pytest.raises(grpc.RpcError) as caught:
            stub.WhoAmI(auth_pb2.WhoAmIRequest(), timeout=10)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_an_unknown_token_is_refused(auth_stack: TestStack) -> None:
    """A well-formed token that was never issued is UNAUTHENTICATED."""
    with auth_stack.client("mlt_" + "x" * 43) as stranger:
        with pytest.raises(errors.Unauthenticated, match="unknown, revoked or expired"):
            stranger.whoami()


def test_the_actor_is_the_principal_not_the_header(auth_stack: TestStack, user: Callable[[str], mlledger.Client],
                                                   events_of) -> None:
    """The x-mlledger-actor header a caller sends is ignored: events name the token's principal."""
    alice = user("alice")
    with mlledger.Client(auth_stack.tracking_uri, actor="mallory", token=alice._transport.token) as spoofing:
        experiment_id = spoofing.create_experiment(f"actor-{alice.name}")  # type: ignore[attr-defined]
    actors = {actor for _, stream, actor in events_of("tracking") if stream == f"experiment/{experiment_id}"}
    assert actors == {alice.name}  # type: ignore[attr-defined]


def test_only_a_service_may_act_on_behalf_of_another(auth_stack: TestStack,
                                                     user: Callable[[str], mlledger.Client]) -> None:
    """A user's call naming someone else in x-mlledger-on-behalf-of is PERMISSION_DENIED."""
    alice = user("alice")
    metadata = [("authorization", f"Bearer {alice._transport.token}"), ("x-mlledger-on-behalf-of", "admin")]
    with pytest.raises(grpc.RpcError) as caught:
        _stub(auth_stack.tracking_uri).SearchExperiments(tracking_pb2.SearchExperimentsRequest(), metadata=metadata,
                                                         timeout=10)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "only a service credential" in caught.value.details()


def test_a_revoked_token_stops_working_at_once_in_every_service(auth_stack: TestStack, admin: mlledger.Client) -> None:
    """Revoked through one service, a token is refused by the next call to each other service."""
    registry_auth = auth_pb2_grpc.AuthServiceStub(grpc.insecure_channel(auth_stack.endpoints["registry"]))
    admin_metadata = [("authorization", f"Bearer {auth_stack.admin_token}")]
    for attempt in range(5):
        created = admin.create_token(f"short-lived-{attempt}", principal="revokee")
        who = [("authorization", f"Bearer {created.secret}")]
        stubs = {name: auth_pb2_grpc.AuthServiceStub(grpc.insecure_channel(address))
                 for name, address in auth_stack.endpoints.items()}
        for stub in stubs.values():  # each service has seen (and may cache) the token
            assert stub.WhoAmI(auth_pb2.WhoAmIRequest(), metadata=who, timeout=10).principal == "revokee"
        registry_auth.RevokeToken(auth_pb2.RevokeTokenRequest(token_id=created.token.id), metadata=admin_metadata,
                                  timeout=10)
        for name, stub in stubs.items():
            with pytest.raises(grpc.RpcError) as caught:
                stub.WhoAmI(auth_pb2.WhoAmIRequest(), metadata=who, timeout=10)
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED, name


def test_a_token_is_shown_once_and_stored_hashed(auth_stack: TestStack, admin: mlledger.Client) -> None:
    """The secret is in the create answer only: the database holds its SHA-256, listings a prefix."""
    created = admin.create_token("hashed", principal="hash-check")
    listed = [t for t in admin.list_tokens("hash-check") if t.id == created.token.id]
    assert listed and listed[0].prefix == created.secret[:12] and created.secret not in str(listed[0])
    with psycopg.connect(auth_stack.database_url) as conn:
        stored = conn.execute("SELECT token_hash FROM auth.token_hashes WHERE token_id = %s",
                              (created.token.id,)).fetchone()
        anywhere = conn.execute("SELECT count(*) FROM auth.events WHERE position(%s in payload) > 0",
                                (created.secret.encode(),)).fetchone()
        answers = conn.execute("SELECT count(*) FROM auth.requests WHERE position(%s in response) > 0",
                               (created.secret.encode(),)).fetchone()
    assert bytes(stored[0]) == hashlib.sha256(created.secret.encode()).digest()
    assert anywhere == (0,) and answers == (0,)


def test_a_user_lists_and_revokes_only_their_own_tokens(admin: mlledger.Client,
                                                         user: Callable[[str], mlledger.Client]) -> None:
    """A non-administrator sees only its own tokens and cannot revoke someone else's."""
    alice, bob = user("alice"), user("bob")
    own = alice.create_token("second")
    assert {t.principal for t in alice.list_tokens()} == {alice.name}  # type: ignore[attr-defined]
    with pytest.raises(errors.PermissionDenied, match="administrator"):
        bob.revoke_token(own.token.id)
    with pytest.raises(errors.PermissionDenied, match="administrator"):
        bob.create_token("for-alice", principal=alice.name)  # type: ignore[attr-defined]
    assert alice.revoke_token(own.token.id).HasField("revoked_at")


def test_a_jwt_from_the_issuer_is_accepted(auth_stack: TestStack, issuer: Issuer) -> None:
    """A JWT signed by the configured issuer's key, for the audience, authenticates as its subject."""
    with auth_stack.client(issuer.token("carol@example.com")) as carol:
        me = carol.whoami()
    assert (me.principal, me.method, me.is_admin) == ("carol@example.com", "jwt", False)


@pytest.mark.parametrize("case", ["forged", "expired", "audience", "issuer", "garbage"])
def test_a_bad_jwt_is_refused(auth_stack: TestStack, issuer: Issuer, case: str) -> None:
    """A JWT signed by another key, expired, for another audience or issuer, or malformed, is UNAUTHENTICATED."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    token = {
        "forged": lambda: issuer.token("mallory", key=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        "expired": lambda: issuer.token("carol", expires_in=-120),
        "audience": lambda: issuer.token("carol", audience="someone-else"),
        "issuer": lambda: issuer.token("carol", issuer="https://evil.example"),
        "garbage": lambda: "abc.def.ghi",
    }[case]()
    with auth_stack.client(token) as caller:
        with pytest.raises(errors.Unauthenticated):
            caller.whoami()


def _calls(auth_stack: TestStack) -> dict[str, tuple[object, object]]:
    """One call of each service API: (bound stub method, request)."""
    from mlledger.v1 import (artifacts_pb2, artifacts_pb2_grpc, deployments_pb2, deployments_pb2_grpc, events_pb2,
                             events_pb2_grpc, registry_pb2, registry_pb2_grpc, subscriptions_pb2,
                             subscriptions_pb2_grpc, webhooks_pb2, webhooks_pb2_grpc)

    def channel(name: str) -> grpc.Channel:
        return grpc.insecure_channel(auth_stack.endpoints[name])

    return {
        "registry": (registry_pb2_grpc.RegistryServiceStub(channel("registry")).SearchRegisteredModels,
                     registry_pb2.SearchRegisteredModelsRequest()),
        "artifacts": (artifacts_pb2_grpc.ArtifactServiceStub(channel("artifacts")).ListArtifacts,
                      artifacts_pb2.ListArtifactsRequest(artifact_uri="mlledger-artifacts:/experiments/0")),
        "event log": (events_pb2_grpc.EventLogServiceStub(channel("artifacts")).ReadEvents,
                      events_pb2.ReadEventsRequest()),
        "event stream": (subscriptions_pb2_grpc.EventServiceStub(channel("tracking")).GetStreamInfo,
                         subscriptions_pb2.GetStreamInfoRequest()),
        "webhooks": (webhooks_pb2_grpc.WebhookServiceStub(channel("registry")).ListWebhooks,
                     webhooks_pb2.ListWebhooksRequest()),
        "deployments": (deployments_pb2_grpc.DeploymentServiceStub(channel("registry")).RecordDeployment,
                        deployments_pb2.RecordDeploymentRequest()),
    }


def test_every_service_api_requires_credentials(auth_stack: TestStack) -> None:
    """Registry, artifacts, the event log and stream, webhooks and deployments all refuse an anonymous call."""
    for name, (method, request) in _calls(auth_stack).items():
        with pytest.raises(grpc.RpcError) as caught:
            method(request, timeout=10)  # type: ignore[operator]
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED, name


def test_webhooks_and_deployment_records_need_an_administrator(auth_stack: TestStack,
                                                               user: Callable[[str], mlledger.Client]) -> None:
    """An ordinary principal reads the event stream but may not manage webhooks or record deployments."""
    alice = user("alice")
    metadata = [("authorization", f"Bearer {alice._transport.token}")]
    calls = _calls(auth_stack)
    method, request = calls["event stream"]
    method(request, metadata=metadata, timeout=10)  # type: ignore[operator]
    for name in ("webhooks", "deployments"):
        method, request = calls[name]
        with pytest.raises(grpc.RpcError) as caught:
            method(request, metadata=metadata, timeout=10)  # type: ignore[operator]
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED, name
        assert "an administrator is needed" in caught.value.details()


def test_a_jwt_named_like_the_configured_admin_is_not_an_administrator(auth_stack: TestStack, issuer: Issuer) -> None:
    """An issuer's subject "admin" is an ordinary principal: only the admin's tokens carry that right."""
    with auth_stack.client(issuer.token("admin")) as impostor:
        me = impostor.whoami()
        assert (me.principal, me.is_admin) == ("admin", False)
        with pytest.raises(errors.PermissionDenied):
            impostor.create_token("escalate", principal="someone-else")

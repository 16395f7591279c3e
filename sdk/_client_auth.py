"""Client calls of AuthService: who am I, API tokens, and roles on experiments and models."""

from __future__ import annotations

from dataclasses import dataclass

from mlledger.transport import Transport
from mlledger.v1 import auth_pb2 as pb
from mlledger.v1 import auth_pb2_grpc

#: Role names accepted and returned, weakest first.
ROLES = ("READ", "EDIT", "MANAGE")
#: Resource kinds accepted ("system" is the whole deployment: MANAGE there is the administrator role).
KINDS: dict[str, pb.ResourceKind] = {"experiment": pb.EXPERIMENT, "model": pb.REGISTERED_MODEL,
                                     "registered_model": pb.REGISTERED_MODEL, "system": pb.SYSTEM}
_KIND_NAMES = {pb.EXPERIMENT: "experiment", pb.REGISTERED_MODEL: "model", pb.SYSTEM: "system"}


@dataclass(frozen=True)
class Permission:
    """One role held by one principal on one resource."""

    kind: str
    resource: str
    principal: str
    role: str


def _kind(kind: str) -> pb.ResourceKind:
    try:
        return KINDS[kind.lower()]
    except KeyError:
        from mlledger import errors

        raise errors.InvalidArgument("resource_kind", f"expected one of {', '.join(KINDS)}, got {kind!r}") from None


def _role(role: str) -> pb.Role:
    if role.upper() not in ROLES:
        from mlledger import errors

        raise errors.InvalidArgument("role", f"expected one of {', '.join(ROLES)}, got {role!r}")
    value: pb.Role = getattr(pb, role.upper())
    return value


class AuthCalls:
    """AuthService calls (mixed into `mlledger.Client`)."""

    _transport: Transport

    def _auth_stub(self) -> auth_pb2_grpc.AuthServiceStub:
        return auth_pb2_grpc.AuthServiceStub(self._transport.channel("tracking"))

    def whoami(self) -> pb.WhoAmIResponse:
        """Who the deployment sees this client as."""
        response: pb.WhoAmIResponse = self._transport.call(self._auth_stub().WhoAmI, pb.WhoAmIRequest(), write=False)
        return response

    def create_token(self, name: str, *, principal: str = "", expires_in_days: int = 0) -> pb.CreateTokenResponse:
        """Create an API token (for another principal: administrators only); `.secret` is shown this once."""
        request = pb.CreateTokenRequest(name=name, principal=principal, expires_in_days=expires_in_days)
        response: pb.CreateTokenResponse = self._transport.call(self._auth_stub().CreateToken, request)
        return response

    def list_tokens(self, principal: str = "", *, include_revoked: bool = False) -> list[pb.Token]:
        """Tokens of `principal` (default: one's own; an administrator's default is everyone's)."""
        request = pb.ListTokensRequest(principal=principal, include_revoked=include_revoked)
        return list(self._transport.call(self._auth_stub().ListTokens, request, write=False).tokens)

    def revoke_token(self, token_id: str) -> pb.Token:
        """Revoke a token: every service refuses it from now on."""
        request = pb.RevokeTokenRequest(token_id=token_id)
        response: pb.RevokeTokenResponse = self._transport.call(self._auth_stub().RevokeToken, request)
        return response.token

    def grant_permission(self, kind: str, resource: str, principal: str, role: str) -> None:
        """Give `principal` a role ("READ", "EDIT", "MANAGE") on an experiment (by id) or a model (by name)."""
        permission = pb.Permission(resource_kind=_kind(kind), resource_id=resource, principal=principal,
                                   role=_role(role))
        self._transport.call(self._auth_stub().GrantPermission, pb.GrantPermissionRequest(permission=permission))

    def revoke_permission(self, kind: str, resource: str, principal: str) -> None:
        """Remove `principal`'s role on the resource (its default applies again)."""
        request = pb.RevokePermissionRequest(resource_kind=_kind(kind), resource_id=resource, principal=principal)
        self._transport.call(self._auth_stub().RevokePermission, request)

    def list_permissions(self, kind: str = "", resource: str = "", principal: str = "") -> list[Permission]:
        """Roles recorded on a resource, or held by a principal (everything when no filter is given)."""
        request = pb.ListPermissionsRequest(resource_kind=_kind(kind) if kind else None, resource_id=resource,
                                            principal=principal)
        response = self._transport.call(self._auth_stub().ListPermissions, request, write=False)
        return [Permission(_KIND_NAMES.get(p.resource_kind, "?"), p.resource_id, p.principal, pb.Role.Name(p.role))
                for p in response.permissions]

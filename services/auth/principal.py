"""Who a call is authenticated as."""

from __future__ import annotations

from dataclasses import dataclass

#: Metadata a service principal sets to name the caller it acts for; ignored from anyone else.
ON_BEHALF_OF_HEADER = "x-mlledger-on-behalf-of"
#: Set ("true") beside it when that caller is an administrator where the service authenticated it.
ON_BEHALF_OF_ADMIN_HEADER = "x-mlledger-on-behalf-of-admin"
AUTHORIZATION_HEADER = "authorization"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a token's principal, a JWT's subject or a configured credential."""

    name: str
    #: "token", "jwt" or "configured".
    method: str
    is_admin: bool = False
    #: Whether this is a service's own credential (trusted to name the caller it acts for).
    is_service: bool = False
    #: The service principal that forwarded the call, when it acts for this one.
    via: str = ""


def bearer_of(authorization: str) -> str:
    """The token of an "Authorization: Bearer <token>" value ("" for any other scheme)."""
    scheme, _, credential = authorization.strip().partition(" ")
    return credential.strip() if scheme.lower() == "bearer" else ""

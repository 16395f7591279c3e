"""Authentication settings of a service or gateway process, from MLLEDGER_AUTH* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mlledger.v1 import auth_pb2

#: Whether authentication is on ("1", "true", "yes", "on").
AUTH_ENV = "MLLEDGER_AUTH"
_TRUE = {"1", "true", "yes", "on"}


def _env(name: str, default: str = "") -> str:
    return os.environ.get(f"MLLEDGER_AUTH_{name}", default).strip()


def _names(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def enabled_from_env() -> bool:
    """Whether MLLEDGER_AUTH turns authentication on."""
    return os.environ.get(AUTH_ENV, "").strip().lower() in _TRUE


def parse_role(text: str) -> int:
    """"READ", "EDIT", "MANAGE" or "NONE" (case-insensitive) as a Role value (NONE is 0)."""
    name = text.strip().upper()
    if name in ("NONE", ""):
        return auth_pb2.ROLE_UNSPECIFIED
    if name not in ("READ", "EDIT", "MANAGE"):
        raise ValueError(f"bad role {text!r}: expected READ, EDIT, MANAGE or NONE")
    return int(auth_pb2.Role.Value(name))


@dataclass(frozen=True)
class JwtSettings:
    """Where OIDC/JWT bearer tokens come from and what they must say."""

    #: The `iss` every token must carry.
    issuer: str
    #: The `aud` every token must carry.
    audience: str
    #: The issuer's key set: a local JSON file or an https:// URL (the issuer's jwks_uri).
    jwks: str
    #: The claim that names the principal.
    principal_claim: str = "sub"
    #: Seconds a fetched key set is reused before it is fetched again.
    jwks_cache_seconds: int = 300
    #: Accepted signing algorithms.
    algorithms: tuple[str, ...] = ("RS256", "ES256", "PS256", "EdDSA")


@dataclass(frozen=True)
class AuthSettings:
    """Whether calls are authenticated, the configured credentials, and the permission rules."""

    enabled: bool = False
    #: A token configured at start-up that authenticates as `admin_principal` (to bootstrap).
    admin_token: str = ""
    admin_principal: str = "admin"
    #: The credential services present to each other; its holder may act on behalf of others.
    service_token: str = ""
    service_principal: str = "service"
    #: Principals that are administrators by configuration (besides SYSTEM MANAGE grants).
    admins: tuple[str, ...] = ()
    #: The role on a resource of a principal who holds none there (creators get MANAGE).
    default_role: int = auth_pb2.READ
    #: Stages only MANAGE on a model may move a version into.
    protected_stages: tuple[str, ...] = ("Production",)
    #: Aliases only MANAGE on a model may set or delete (those deployers watch).
    protected_aliases: tuple[str, ...] = ("champion", "production")
    jwt: JwtSettings | None = None

    @classmethod
    def from_env(cls, enabled: bool | None = None) -> AuthSettings:
        """The settings from MLLEDGER_AUTH and MLLEDGER_AUTH_* variables (see docs/security.md)."""
        jwks = _env("JWKS")
        jwt = None
        if jwks:
            jwt = JwtSettings(issuer=_env("JWT_ISSUER"), audience=_env("JWT_AUDIENCE"), jwks=jwks,
                              principal_claim=_env("JWT_PRINCIPAL_CLAIM", "sub"),
                              jwks_cache_seconds=int(_env("JWKS_CACHE_SECONDS", "300")))
            if not jwt.issuer or not jwt.audience:
                raise ValueError("MLLEDGER_AUTH_JWKS needs MLLEDGER_AUTH_JWT_ISSUER and MLLEDGER_AUTH_JWT_AUDIENCE")
        return cls(
            enabled=enabled_from_env() if enabled is None else enabled,
            admin_token=_env("ADMIN_TOKEN"), admin_principal=_env("ADMIN_PRINCIPAL", "admin"),
            service_token=_env("SERVICE_TOKEN"), service_principal=_env("SERVICE_PRINCIPAL", "service"),
            admins=_names(_env("ADMINS")),
            default_role=parse_role(_env("DEFAULT_ROLE", "READ")),
            protected_stages=_names(_env("PROTECTED_STAGES", "Production")),
            protected_aliases=_names(_env("PROTECTED_ALIASES", "champion,production")),
            jwt=jwt,
        )

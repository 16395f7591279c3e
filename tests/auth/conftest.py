"""Fixtures for the auth tests: a stack with authentication on, the gateway, and a local OIDC issuer."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

import mlledger
from mlledger.testing import Infrastructure, TestStack, running_stack

ISSUER = "https://issuer.test.mlledger.dev"
AUDIENCE = "mlledger-tests"
KEY_ID = "test-key-1"

# The machine's own token or credentials file must not leak into these tests.
os.environ.pop("MLLEDGER_TOKEN", None)
os.environ["MLLEDGER_CREDENTIALS_FILE"] = "/nonexistent/mlledger-credentials"
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")


class Issuer:
    """A local OIDC issuer: an RSA key published as a JWKS file, and tokens signed with it."""

    def __init__(self, directory: Path) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=KEY_ID, use="sig", alg="RS256")
        self.jwks_file = directory / "jwks.json"
        self.jwks_file.write_text(json.dumps({"keys": [jwk]}))

    def token(self, subject: str, *, expires_in: float = 600, audience: str = AUDIENCE, issuer: str = ISSUER,
              key: Any = None) -> str:
        now = int(time.time())
        claims = {"sub": subject, "iss": issuer, "aud": audience, "iat": now, "exp": int(now + expires_in)}
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": KEY_ID})


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Issuer:
    return Issuer(tmp_path_factory.mktemp("issuer"))


@pytest.fixture(scope="session")
def auth_stack(mlledger_infrastructure: Infrastructure, issuer: Issuer) -> Iterator[TestStack]:
    """The three services and the gateway with authentication on and JWTs of `issuer` accepted."""
    env = {"MLLEDGER_AUTH_JWKS": str(issuer.jwks_file), "MLLEDGER_AUTH_JWT_ISSUER": ISSUER,
           "MLLEDGER_AUTH_JWT_AUDIENCE": AUDIENCE}
    with running_stack(mlledger_infrastructure, gateway=True, auth=True, extra_env=env) as stack:
        yield stack


@pytest.fixture(scope="session")
def admin(auth_stack: TestStack) -> Iterator[mlledger.Client]:
    with auth_stack.client() as client:
        yield client


@pytest.fixture
def user(auth_stack: TestStack, admin: mlledger.Client) -> Iterator[Callable[[str], mlledger.Client]]:
    """Makes a client authenticated with a fresh API token of a principal with a unique name."""
    made: list[mlledger.Client] = []

    def make(prefix: str) -> mlledger.Client:
        name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        client = auth_stack.client(admin.create_token("test", principal=name).secret)
        client.name = name  # type: ignore[attr-defined]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def events_of(auth_stack: TestStack) -> Callable[..., list[tuple[str, str, str]]]:
    """(type, stream, actor) of the events in one service's log (schema), optionally of one type."""
    def read(schema: str, event_type: str | None = None, stream_prefix: str = "") -> list[tuple[str, str, str]]:
        with psycopg.connect(auth_stack.database_url) as conn:
            rows = conn.execute(f"SELECT type, stream, actor FROM {schema}.events WHERE (%s::text IS NULL OR type = %s)"
                                " AND starts_with(stream, %s) ORDER BY position",
                                (event_type, event_type, stream_prefix)).fetchall()
        return [(str(a), str(b), str(c)) for a, b, c in rows]
    return read

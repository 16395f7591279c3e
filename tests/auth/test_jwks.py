"""The issuer's key set fetched from its jwks_uri: cached, refreshed when a new key id appears."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from mlledger import errors
from mlledger.services.auth import jwt_verifier
from mlledger.services.auth.jwt_verifier import JwtVerifier
from mlledger.services.auth.settings import JwtSettings

ISSUER, AUDIENCE = "https://issuer.example", "mlledger"


class KeyServer:
    """An HTTP server publishing a JWKS document, counting how often it is fetched."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {}
        self.fetches = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's name
                owner.fetches += 1
                body = json.dumps({"keys": list(owner.public.values())}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.public: dict[str, dict[str, Any]] = {}
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks"

    def add_key(self, kid: str) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        jwk.update(kid=kid, alg="RS256")
        self.keys[kid], self.public[kid] = key, jwk

    def token(self, kid: str, subject: str) -> str:
        now = int(time.time())
        return jwt.encode({"sub": subject, "iss": ISSUER, "aud": AUDIENCE, "exp": now + 600}, self.keys[kid],
                          algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def keys() -> Iterator[KeyServer]:
    server = KeyServer()
    server.add_key("one")
    yield server
    server.server.shutdown()


async def test_the_key_set_is_fetched_once_and_tokens_remembered(keys: KeyServer) -> None:
    """Many tokens signed with a known key cost one fetch of the key set; a repeated token no verification."""
    verifier = JwtVerifier(JwtSettings(issuer=ISSUER, audience=AUDIENCE, jwks=keys.url))
    for index in range(20):
        assert await verifier.principal(keys.token("one", f"user-{index}")) == f"user-{index}"
    token = keys.token("one", "repeat")
    assert [await verifier.principal(token) for _ in range(3)] == ["repeat"] * 3
    assert keys.fetches == 1


async def test_a_rotated_key_is_fetched_and_an_unknown_one_refused(keys: KeyServer,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A token with a new key id refreshes the key set; a key id the issuer does not publish is UNAUTHENTICATED."""
    monkeypatch.setattr(jwt_verifier, "REFRESH_AT_MOST_EVERY", 0.0)
    verifier = JwtVerifier(JwtSettings(issuer=ISSUER, audience=AUDIENCE, jwks=keys.url))
    assert await verifier.principal(keys.token("one", "alice")) == "alice"
    keys.add_key("two")
    assert await verifier.principal(keys.token("two", "bob")) == "bob"
    assert keys.fetches == 2
    stranger = KeyServer()
    stranger.add_key("three")
    try:
        with pytest.raises(errors.Unauthenticated, match="'three' is not in the issuer's key set"):
            await verifier.principal(stranger.token("three", "mallory"))
    finally:
        stranger.server.shutdown()

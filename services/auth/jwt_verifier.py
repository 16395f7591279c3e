"""OIDC/JWT bearer tokens checked against the configured issuer's key set (JWKS), with caches.

The key set is read from a local file or fetched from the issuer's jwks_uri and reused for
`jwks_cache_seconds`; a token signed with a key id not in it triggers one early refresh (keys
rotate), at most every few seconds. A verified token's claims are remembered until it expires,
since a JWT cannot change: the next call with it costs one dictionary lookup.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections import OrderedDict
from typing import Any

import jwt

from mlledger import errors
from mlledger.services.auth.settings import JwtSettings

#: Verified tokens remembered (least recently used dropped first).
VERIFIED_CACHE_SIZE = 10_000
#: Shortest time between two fetches of the key set when a key id is unknown.
REFRESH_AT_MOST_EVERY = 5.0


class JwtVerifier:
    """Verifies signature, issuer, audience and expiry of bearer JWTs."""

    def __init__(self, settings: JwtSettings) -> None:
        self.settings = settings
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._verified: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._fetch_lock = asyncio.Lock()

    def _read_key_set(self) -> dict[str, Any]:
        source = self.settings.jwks
        if source.startswith(("https://", "http://")):
            with urllib.request.urlopen(source, timeout=10) as response:  # the configured jwks_uri
                return json.loads(response.read())  # type: ignore[no-any-return]
        with open(source, encoding="utf-8") as handle:
            return json.load(handle)  # type: ignore[no-any-return]

    async def _refresh(self) -> None:
        async with self._fetch_lock:
            try:
                data = await asyncio.to_thread(self._read_key_set)
                key_set = jwt.PyJWKSet.from_dict(data)
            except (OSError, ValueError, jwt.PyJWTError) as exc:
                if not self._keys:
                    raise errors.Unavailable(f"the issuer's key set {self.settings.jwks} cannot be read: {exc}") from exc
                return  # keep the keys we have; try again later
            self._keys = {key.key_id or "": key for key in key_set.keys}
            self._fetched_at = time.monotonic()

    async def _key(self, kid: str) -> jwt.PyJWK:
        age = time.monotonic() - self._fetched_at
        if not self._keys or age > self.settings.jwks_cache_seconds or (
                kid not in self._keys and age > REFRESH_AT_MOST_EVERY):
            await self._refresh()
        key = self._keys.get(kid) or (self._keys.get("") if len(self._keys) == 1 else None)
        if key is None:
            raise errors.Unauthenticated(f"the token's signing key {kid!r} is not in the issuer's key set")
        return key

    async def principal(self, token: str) -> str:
        """The principal the token names (its `principal_claim`); Unauthenticated when it is not valid."""
        remembered = self._verified.get(token)
        if remembered is not None:
            if remembered[1] > time.time():
                self._verified.move_to_end(token)
                return remembered[0]
            del self._verified[token]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise errors.Unauthenticated(f"the bearer token is not a valid JWT: {exc}") from None
        key = await self._key(str(header.get("kid", "")))
        try:
            claims = jwt.decode(token, key=key, algorithms=list(self.settings.algorithms),
                                audience=self.settings.audience, issuer=self.settings.issuer,
                                options={"require": ["exp", "iss", "aud", self.settings.principal_claim]})
        except jwt.ExpiredSignatureError:
            raise errors.Unauthenticated("the bearer token has expired") from None
        except jwt.PyJWTError as exc:
            raise errors.Unauthenticated(f"the bearer token was refused: {exc}") from None
        name = str(claims[self.settings.principal_claim])
        self._verified[token] = (name, float(claims["exp"]))
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return name

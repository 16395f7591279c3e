"""API token secrets: how they are made, recognised and hashed.

A token is 256 random bits, so a single SHA-256 is the right hash: slow password hashes
(bcrypt, Argon2) exist to make guessing low-entropy passwords expensive, and nobody can guess
2^256 values; a fast hash keeps authentication within microseconds on every call.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

#: Every API token starts with this, so a bearer credential is told apart from a JWT at a glance.
TOKEN_PREFIX = "mlt_"
#: Characters of a token shown in listings.
SHOWN_CHARACTERS = 12


def new_secret() -> str:
    """A fresh token: the prefix and 43 URL-safe characters (256 random bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_token_id() -> str:
    """A token's public id (used to list and revoke it)."""
    return "tok_" + uuid.uuid4().hex[:16]


def digest(secret: str) -> bytes:
    """The stored form of a token."""
    return hashlib.sha256(secret.encode()).digest()


def is_api_token(credential: str) -> bool:
    """Whether `credential` has the shape of an mlledger API token."""
    return credential.startswith(TOKEN_PREFIX) and 20 <= len(credential) <= 128


def shown(secret: str) -> str:
    """The part of a token shown in listings."""
    return secret[:SHOWN_CHARACTERS]

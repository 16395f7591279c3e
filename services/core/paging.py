"""Page tokens, one format for every service: opaque to clients, checked when they come back.

A token is URL-safe base64 of a small JSON object: {"offset": n} for offset paging, or
{"after": key} for keyset paging. A token a service did not issue is INVALID_ARGUMENT naming
the request field it came in.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from mlledger import errors, limits


#: Largest offset a token may carry: beyond any real result set, well inside PostgreSQL's bigint.
MAX_OFFSET = limits.MAX_PAGE_OFFSET
_MAX_TOKEN_CHARS = limits.STRING_LIMITS["page_token"]


def _encode(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def _decode(token: str, field: str, name: str, kind: type[int] | type[str]) -> Any:
    if len(token) > _MAX_TOKEN_CHARS:
        raise errors.InvalidArgument(field, "is not a token this service returned (too long)")
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode()))[name]
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
        raise errors.InvalidArgument(field, "is not a token this service returned") from None
    if not isinstance(value, kind) or isinstance(value, bool) or (isinstance(value, int) and not 0 <= value <= MAX_OFFSET):
        raise errors.InvalidArgument(field, "is not a token this service returned")
    return value


def offset_token(offset: int) -> str:
    """The token of the page that starts at `offset`."""
    return _encode({"offset": offset})


def read_offset(token: str, field: str = "page_token") -> int:
    """The offset a token stands for (0 for an empty token)."""
    return _decode(token, field, "offset", int) if token else 0


def after_token(key: str) -> str:
    """The token of the page that starts after `key`."""
    return _encode({"after": key})


def read_after(token: str, field: str = "page_token") -> str:
    """The key a token's page starts after ("" for an empty token)."""
    return _decode(token, field, "after", str) if token else ""

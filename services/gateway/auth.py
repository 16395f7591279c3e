"""The gateway's authentication: every HTTP request carries a credential, forwarded to the services.

Accepted: `Authorization: Bearer <token>` (MLflow's MLFLOW_TRACKING_TOKEN) and
`Authorization: Basic <user:token>` (MLFLOW_TRACKING_USERNAME/PASSWORD, a browser's login
prompt; the password is the token, the user name is ignored). A request without one gets 401
with `WWW-Authenticate`. The gateway keeps no state and checks nothing else itself: the
services authenticate the forwarded credential on every call, so a revoked token stops at once
here too, and their UNAUTHENTICATED becomes 401 with the same challenge.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: What a 401 answers with: browsers prompt for Basic, API clients read Bearer.
CHALLENGE = b'Basic realm="mlledger", charset="UTF-8", Bearer realm="mlledger"'
#: Paths served without credentials (load-balancer probes).
OPEN_PATHS = frozenset({"/health", "/version"})
STATE_KEY = "credential"


def credential_of(authorization: str) -> str:
    """The token in a Bearer or Basic authorization value ("" when there is none)."""
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return value
    if scheme.lower() == "basic" and value:
        try:
            user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return password or user
    return ""


def forwarded_credential(request: Request) -> str:
    """The credential the middleware found on this request ("" with authentication off)."""
    return str(request.scope.get("state", {}).get(STATE_KEY, ""))


class RequireCredentials:
    """ASGI middleware: 401 for a request without a credential; the challenge added to every 401."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {key.decode().lower(): value.decode("latin-1") for key, value in scope["headers"]}
        credential = credential_of(headers.get("authorization", ""))
        if not credential:
            await _unauthorized(send)
            return
        scope.setdefault("state", {})[STATE_KEY] = credential

        async def challenge_on_401(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                message = {**message, "headers": [*message.get("headers", []), (b"www-authenticate", CHALLENGE)]}
            await send(message)

        await self.app(scope, receive, challenge_on_401)


async def _unauthorized(send: Send) -> None:
    body: dict[str, Any] = {"error_code": "UNAUTHENTICATED",
                            "message": "This deployment requires authentication: send 'Authorization: Bearer <token>' "
                                       "(MLFLOW_TRACKING_TOKEN) or Basic credentials with the token as password."}
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": 401,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"www-authenticate", CHALLENGE)]})
    await send({"type": "http.response.body", "body": payload})

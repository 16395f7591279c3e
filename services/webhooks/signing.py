"""How deliveries are signed, and how a receiver verifies them (documented in docs/webhooks.md).

The signature is HMAC-SHA256 with the webhook's secret over "<timestamp>.<body>", hex-encoded,
sent as `Mlledger-Signature: v1=<hex>` with `Mlledger-Timestamp: <unix seconds>`.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Mlledger-Signature"
TIMESTAMP_HEADER = "Mlledger-Timestamp"
EVENT_ID_HEADER = "Mlledger-Event-Id"
WEBHOOK_ID_HEADER = "Mlledger-Webhook-Id"
SUBJECT_HEADER = "Mlledger-Subject"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" under `secret`."""
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def headers(secret: str, body: bytes, *, event_id: str, webhook_id: str, subject: str,
            now: float | None = None) -> dict[str, str]:
    """The headers of one delivery attempt."""
    timestamp = int(time.time() if now is None else now)
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"v1={signature(secret, timestamp, body)}",
        EVENT_ID_HEADER: event_id,
        WEBHOOK_ID_HEADER: webhook_id,
        SUBJECT_HEADER: subject,
        "User-Agent": "mlledger-webhooks/1",
    }


def verify(secret: str, headers: dict[str, str], body: bytes, *, tolerance: float = 300.0,
           now: float | None = None) -> bool:
    """Whether a delivery is authentic and recent (the receiver's side of the recipe)."""
    lowered = {key.lower(): value for key, value in headers.items()}
    try:
        timestamp = int(lowered[TIMESTAMP_HEADER.lower()])
        scheme, _, received = lowered[SIGNATURE_HEADER.lower()].partition("=")
    except (KeyError, ValueError):
        return False
    if scheme != "v1" or abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    return hmac.compare_digest(received, signature(secret, timestamp, body))


def fingerprint(secret: str) -> str:
    """First 8 hex digits of SHA-256 of the secret: tells secrets apart without revealing them."""
    return hashlib.sha256(secret.encode()).hexdigest()[:8]

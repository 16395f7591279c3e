"""The tracking calls of `mlledger.Client`."""

from __future__ import annotations

from mlledger._transport import Transport


class TrackingCalls:
    """Every tracking RPC with plain Python types (mixed into mlledger.Client)."""

    _transport: Transport

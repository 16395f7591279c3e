"""The registry calls of `mlledger.Client`."""

from __future__ import annotations

from mlledger._transport import Transport


class RegistryCalls:
    """Every registry RPC with plain Python types (mixed into mlledger.Client)."""

    _transport: Transport

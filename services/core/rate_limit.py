"""Request rates per principal: a token bucket per actor, refusing with RESOURCE_EXHAUSTED and a retry delay.

Each actor (the principal the request context names) has a bucket of `burst` tokens refilled at
`rate` per second; a call takes one token. A call finding the bucket empty is refused before its
handler runs with RESOURCE_EXHAUSTED, a message naming the limit, and google.rpc details:
ErrorInfo (reason RATE_LIMITED), QuotaFailure (the limit) and RetryInfo (when a token will be
there). Other actors are not affected. Health checks and reflection are never limited.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from mlledger.services.core.context import RequestContext

DOMAIN = "mlledger.dev"
#: Methods answered whatever the rate: probes and tooling must work while a principal is throttled.
EXEMPT_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
#: Buckets remembered at most; the least recently seen actor's bucket is forgotten first (it is full by then).
MAX_ACTORS = 100_000
_UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0, "h": 3600.0, "hour": 3600.0}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:/\s*([a-z]+))?\s*$")


def parse_rate(text: str) -> float:
    """Requests per second from "200/s", "1000/min", "50000/h" or a bare number (per second)."""
    match = _RATE.match(text.lower())
    if not match or (match.group(2) and match.group(2) not in _UNITS):
        raise ValueError(f"bad rate {text!r}: expected N/s, N/min or N/h (e.g. 200/s)")
    rate = float(match.group(1)) / _UNITS[match.group(2) or "s"]
    if rate <= 0:
        raise ValueError(f"bad rate {text!r}: it must be above zero")
    return rate


@dataclass(frozen=True)
class RateLimit:
    """A sustained rate (requests per second) and the burst a principal may spend at once."""

    rate: float
    burst: float

    def describe(self) -> str:
        return f"{self.rate:g} requests/s (burst {self.burst:g})"


def rate_limit(rate: str, burst: str | int | None) -> RateLimit | None:
    """The limit from the `--rate-limit` and `--rate-burst` flags; None when no rate is given (off)."""
    if not rate or rate.strip().lower() in ("0", "off", "none"):
        return None
    per_second = parse_rate(rate)
    size = float(burst) if burst not in (None, "", 0, "0") else max(1.0, 2 * per_second)
    if size < 1:
        raise ValueError(f"bad burst {burst!r}: at least 1")
    return RateLimit(per_second, size)


class TokenBuckets:
    """One token bucket per actor, thread-safe; refilled lazily when an actor calls."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic,
                 max_actors: int = MAX_ACTORS) -> None:
        self.limit = limit
        self._clock = clock
        self._max = max_actors
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, actor: str) -> float:
        """Take a token for `actor`: 0.0 when granted, else the seconds until one is there."""
        now = self._clock()
        rate, burst = self.limit.rate, self.limit.burst
        with self._lock:
            tokens, seen = self._buckets.pop(actor, (burst, now))
            tokens = min(burst, tokens + (now - seen) * rate)
            granted = tokens >= 1.0
            if granted:
                tokens -= 1.0
            self._buckets[actor] = (tokens, now)
            if len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
        return 0.0 if granted else (1.0 - tokens) / rate


def refusal(limit: RateLimit, actor: str, wait: float) -> grpc.Status:
    """The RESOURCE_EXHAUSTED status for a call over the limit, with ErrorInfo, QuotaFailure and RetryInfo."""
    shown = actor if len(actor) <= 100 else actor[:100] + "…"
    message = (f"rate limit exceeded: {limit.describe()} per principal; {shown!r} may call again in "
               f"{wait:.3f} s")
    delay = duration_pb2.Duration()
    delay.FromNanoseconds(max(1_000_000, int(wait * 1e9)))
    details = [
        error_details_pb2.ErrorInfo(reason="RATE_LIMITED", domain=DOMAIN,
                                    metadata={"limit": limit.describe(), "actor": shown}),
        error_details_pb2.QuotaFailure(violations=[error_details_pb2.QuotaFailure.Violation(
            subject="requests_per_principal", description=f"{limit.describe()} per principal")]),
        error_details_pb2.RetryInfo(retry_delay=delay),
    ]
    packed = []
    for detail in details:
        item = any_pb2.Any()
        item.Pack(detail)
        packed.append(item)
    return rpc_status.to_status(status_pb2.Status(code=code_pb2.RESOURCE_EXHAUSTED, message=message, details=packed))


class RateLimiter:
    """The admission step the interceptor runs for every call once its request context is known."""

    def __init__(self, limit: RateLimit) -> None:
        self.buckets = TokenBuckets(limit)

    def admit(self, ctx: RequestContext) -> grpc.Status | None:
        """None when the call may run, else the status to refuse it with."""
        if ctx.method.startswith(EXEMPT_PREFIXES):
            return None
        wait = self.buckets.take(ctx.actor)
        return None if wait == 0.0 else refusal(self.buckets.limit, ctx.actor, wait)

"""Per-request context: who is acting, the correlation id and the idempotency key of the call.

The servers' interceptor chain sets it from the request metadata (its identity step decides the
actor and whether the caller is an administrator); the event store reads it to
stamp every event with its actor and correlation id.
"""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass

ACTOR_HEADER = "x-mlledger-actor"
REQUEST_ID_HEADER = "x-mlledger-request-id"
CORRELATION_ID_HEADER = "x-correlation-id"
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class RequestContext:
    """Who made the call and how it ties to others."""

    actor: str = ANONYMOUS
    correlation_id: str = ""
    request_id: str = ""
    method: str = ""
    #: Whether the caller may do what only an administrator may (purge, grant roles). With
    #: authentication off, as on a laptop, every caller is the local administrator.
    is_admin: bool = True


_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("mlledger_request_context")


def current() -> RequestContext:
    """The context of the call being served (a fresh anonymous one outside any call)."""
    try:
        return _current.get()
    except LookupError:
        return RequestContext(correlation_id=str(uuid.uuid4()))


def from_metadata(metadata: tuple[tuple[str, str | bytes], ...] | None, method: str = "") -> RequestContext:
    """Build the context from gRPC invocation metadata (the interceptor's identity step then
    decides who the caller is; until then the actor is what the actor header says)."""
    values = {key: value for key, value in (metadata or ()) if isinstance(value, str)}
    return RequestContext(
        actor=values.get(ACTOR_HEADER) or ANONYMOUS,
        correlation_id=values.get(CORRELATION_ID_HEADER) or str(uuid.uuid4()),
        request_id=values.get(REQUEST_ID_HEADER, ""),
        method=method,
    )


def activate(context: RequestContext) -> contextvars.Token[RequestContext]:
    """Make `context` current for the running task."""
    return _current.set(context)


def reset(token: contextvars.Token[RequestContext]) -> None:
    """Restore the context that was current before `activate`."""
    _current.reset(token)

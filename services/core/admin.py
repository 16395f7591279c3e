"""Actions only an administrator may take (purge): checked against the call's request context."""

from __future__ import annotations

from mlledger import errors
from mlledger.services.core import context


def require_admin(action: str) -> context.RequestContext:
    """The call's context if its principal is an administrator, else PERMISSION_DENIED naming what was needed."""
    ctx = context.current()
    if not ctx.is_admin:
        raise errors.PermissionDenied(f"{action} needs the admin role, which {ctx.actor!r} does not have",
                                      reason="ADMIN_REQUIRED")
    return ctx

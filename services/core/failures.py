"""Failures that are not bugs though no handler raised an mlledger error for them, classified by cause.

Database failures are translated in `eventstore.database.translate`; this covers the rest: the
file system refusing a name or running out of space, and a request nested so deeply that
Python's recursion limit stopped it. Anything else stays a bug (INTERNAL, logged with its
traceback and request id).
"""

from __future__ import annotations

import errno

from mlledger import errors

_TOO_LONG = {errno.ENAMETOOLONG}
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def classify(exc: BaseException) -> errors.MlledgerError | None:
    """The mlledger error `exc` stands for, or None when it is a bug."""
    if isinstance(exc, OSError) and exc.errno in _TOO_LONG:
        return errors.InvalidArgument("path", "a name in the path is longer than the storage allows",
                                      reason="PATH_TOO_LONG")
    if isinstance(exc, OSError) and exc.errno in _NO_SPACE:
        return errors.ResourceExhausted("storage", "the artifact storage is full")
    if isinstance(exc, RecursionError):
        return errors.InvalidArgument("request", "is nested too deeply", reason="NESTED_TOO_DEEPLY")
    return None

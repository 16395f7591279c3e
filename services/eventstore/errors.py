"""What an event store raises, whatever its adapter: the port's own error tree.

    EventStoreError                 base of every event-store failure (an mlledger.errors.MlledgerError)
     ├── StoreUnavailable           Unavailable         the database cannot be reached; retrying is safe
     ├── WriteConflict              ConcurrencyConflict an expected version did not match, or another
     │                                                   writer holds what this one needs; retry the call
     ├── StatementCancelled         DeadlineExceeded    the statement ran out of time
     ├── ValueRejected              InvalidArgument     a value the store cannot hold
     ├── RequestIdReused            InvalidArgument     an idempotency key already used for another call
     ├── StoreLimitExceeded         ResourceExhausted   an event or a request too large for the store
     ├── ConstraintViolated         InternalError       a read model's constraint refused a write;
     │                                                   `constraint` names it, for the service to judge
     └── StatementRefused           InternalError       the service's own SQL raised a condition;
                                                         `condition` is its code (e.g. SQLSTATE MLT01)

Each also derives from the error of the same meaning in `mlledger.errors`, so the interceptor
answers it with that status and callers may catch either. The last two are refusals only the
service can interpret; one it does not turn into its own error is a bug, answered INTERNAL. Adapters translate their driver's
failures into these at their edge, so nothing above them imports the driver.
"""

from __future__ import annotations

from mlledger import errors


class EventStoreError(errors.MlledgerError):
    """Base of every failure an event store raises on purpose."""


class StoreUnavailable(EventStoreError, errors.Unavailable):
    """The store cannot be reached (connection lost, shutting down, pool exhausted)."""


class WriteConflict(EventStoreError, errors.ConcurrencyConflict):
    """An expected version did not match, or a concurrent writer won a lock or a serialization race."""


class StatementCancelled(EventStoreError, errors.DeadlineExceeded):
    """A statement was cancelled by its deadline or the store's statement timeout."""


class ValueRejected(EventStoreError, errors.InvalidArgument):
    """A value the store cannot hold (out of range, invalid text)."""


class RequestIdReused(EventStoreError, errors.InvalidArgument):
    """An idempotency key was already used for a different call."""


class StoreLimitExceeded(EventStoreError, errors.ResourceExhausted):
    """An event or a request exceeds a limit of the store."""


class ConstraintViolated(EventStoreError, errors.InternalError):
    """A constraint of a read model refused the write (e.g. a unique name taken by a racing writer)."""

    def __init__(self, constraint: str, message: str) -> None:
        super().__init__(message)
        self.constraint = constraint


class StatementRefused(EventStoreError, errors.InternalError):
    """A condition the service's own SQL raised on purpose, named by its code."""

    def __init__(self, condition: str, message: str) -> None:
        super().__init__(message)
        self.condition = condition


__all__ = [
    "ConstraintViolated",
    "EventStoreError",
    "RequestIdReused",
    "StatementCancelled",
    "StatementRefused",
    "StoreLimitExceeded",
    "StoreUnavailable",
    "ValueRejected",
    "WriteConflict",
]

"""The event store every mlledger service writes through.

    model.py       NewEvent, RecordedEvent, expected-version constants
    database.py    connection pools, and psycopg errors translated into mlledger.errors
    schema.py      the log's tables in a service's own schema, and a small migration runner
    store.py       EventStore: append inside the caller's transaction, read, idempotent writes
    projection.py  Projector: the read-model updates of each event, used live and for rebuilds
    jetstream.py   JetStream stream set-up, subjects, and the envelope published for each event
    relay.py       the outbox relay publishing every committed event to JetStream in order
    subscriber.py  the one subscriber every consumer stands on: JetStream pull consumers,
                   de-duplication by event id, checkpoints stored with the consumer's effects
    consumer_checkpoint.py  a consumer's checkpoint in PostgreSQL, in its own transaction

Appends take a transaction-level advisory lock per service schema just before commit, so
global positions become visible in commit order and a tailing reader never skips an event.
"""

from mlledger.services.eventstore.model import ANY, NO_STREAM, NewEvent, RecordedEvent
from mlledger.services.eventstore.projection import Projector
from mlledger.services.eventstore.store import EventStore, PostgresEventStore, Transaction

__all__ = [
    "ANY",
    "NO_STREAM",
    "EventStore",
    "NewEvent",
    "PostgresEventStore",
    "Projector",
    "RecordedEvent",
    "Transaction",
]

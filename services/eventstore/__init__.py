"""The event store every mlledger service writes through.

    port.py        EventStore and UnitOfWork: what every adapter offers (the port)
    errors.py      the port's own error tree (each also an mlledger.errors class)
    model.py       NewEvent, RecordedEvent, expected-version constants, new ids
    postgres.py    PostgresEventStore, the adapter: append inside the caller's transaction,
                   idempotent writes, rebuild
    postgres_log.py  the adapter's read side: reading the log, replaying it into read models
    database.py    connection pools, and psycopg errors translated into the port's errors
    schema.py      the log's tables in a service's own schema, and a small migration runner
    projection.py  Projector: the read-model updates of each event, used live and for rebuilds
    jetstream.py   JetStream stream set-up, subjects, and the envelope published for each event
    relay.py       the outbox relay publishing every committed event to JetStream in order
    subscriber.py  the one subscriber every server-side consumer stands on (on top of
                   `mlledger.jetstream`): checkpoints stored with the consumer's effects
    consumer_checkpoint.py  a consumer's checkpoint in PostgreSQL, in its own transaction

psycopg is imported only by the adapter's modules (postgres*.py, database.py, schema.py,
projection.py, relay.py, consumer_checkpoint.py). Appends take a transaction-level advisory
lock per service schema just before commit, so global positions become visible in commit order
and a tailing reader never skips an event.
"""

from mlledger.services.eventstore.model import ANY, NO_STREAM, NewEvent, RecordedEvent
from mlledger.services.eventstore.projection import Projector
from mlledger.services.eventstore.port import EventStore, UnitOfWork
from mlledger.services.eventstore.postgres import PostgresEventStore, Transaction

__all__ = [
    "ANY",
    "NO_STREAM",
    "EventStore",
    "NewEvent",
    "PostgresEventStore",
    "Projector",
    "RecordedEvent",
    "Transaction",
    "UnitOfWork",
]

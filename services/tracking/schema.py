"""The tracking read models (PostgreSQL schema "tracking") and the default experiment.

Metric points are not rows: each logged series is one row of `metric_chunks` holding numpy
arrays as bytea, so ingesting and reading a long history is a handful of rows, not millions.
The default experiment "0" is created by an `experiment.created` event written in a migration,
so it exists before any request and reappears on every rebuild.
"""

from __future__ import annotations

from mlledger.services.eventstore.schema import Migration
from mlledger.v1 import tracking_pb2

DEFAULT_EXPERIMENT_ID = "0"
DEFAULT_EXPERIMENT_NAME = "Default"
DEFAULT_ARTIFACT_ROOT = "mlledger-artifacts:/experiments"

READ_MODEL_TABLES = (
    "experiments", "experiment_tags", "runs", "run_tags", "params", "latest_metrics", "metric_chunks", "run_inputs",
)

_TABLES = """
CREATE TABLE {schema}.experiments (
    experiment_id     text PRIMARY KEY,
    name              text NOT NULL UNIQUE,
    artifact_location text NOT NULL,
    lifecycle_stage   text NOT NULL,
    creation_time     bigint NOT NULL,
    last_update_time  bigint NOT NULL
);
CREATE TABLE {schema}.experiment_tags (
    experiment_id text NOT NULL,
    key           text NOT NULL,
    value         text NOT NULL,
    PRIMARY KEY (experiment_id, key)
);
CREATE INDEX experiment_tags_key_value ON {schema}.experiment_tags (key, value);
CREATE TABLE {schema}.runs (
    run_id          text PRIMARY KEY,
    experiment_id   text NOT NULL,
    run_name        text NOT NULL,
    status          text NOT NULL,
    start_time      bigint NOT NULL,
    end_time        bigint,
    artifact_uri    text NOT NULL,
    lifecycle_stage text NOT NULL,
    user_id         text NOT NULL,
    parent_run_id   text NOT NULL
);
CREATE INDEX runs_experiment_start ON {schema}.runs (experiment_id, start_time DESC, run_id);
CREATE TABLE {schema}.run_tags (
    run_id text NOT NULL,
    key    text NOT NULL,
    value  text NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE INDEX run_tags_key_value ON {schema}.run_tags (key, value);
CREATE TABLE {schema}.params (
    run_id text NOT NULL,
    key    text NOT NULL,
    value  text NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE INDEX params_key_value ON {schema}.params (key, value);
CREATE TABLE {schema}.latest_metrics (
    run_id       text NOT NULL,
    key          text NOT NULL,
    value        double precision NOT NULL,
    step         bigint NOT NULL,
    timestamp_ms bigint NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE INDEX latest_metrics_key_value ON {schema}.latest_metrics (key, value);
CREATE TABLE {schema}.metric_chunks (
    run_id     text NOT NULL,
    key        text NOT NULL,
    event_id   uuid NOT NULL,
    part       integer NOT NULL,
    points     integer NOT NULL,
    min_step   bigint NOT NULL,
    max_step   bigint NOT NULL,
    steps      bytea NOT NULL,
    timestamps bytea NOT NULL,
    "values"   bytea NOT NULL,
    PRIMARY KEY (run_id, key, event_id, part)
);
CREATE TABLE {schema}.run_inputs (
    run_id    text NOT NULL,
    name      text NOT NULL,
    digest    text NOT NULL,
    context   text NOT NULL,
    logged_at timestamptz NOT NULL,
    ordinal   integer NOT NULL,
    input     bytea NOT NULL,
    PRIMARY KEY (run_id, name, digest, context)
);
CREATE INDEX run_inputs_name ON {schema}.run_inputs (name);
CREATE SEQUENCE {schema}.experiment_ids START 1;
"""


def _default_experiment_sql() -> str:
    payload = tracking_pb2.ExperimentCreated(
        experiment_id=DEFAULT_EXPERIMENT_ID, name=DEFAULT_EXPERIMENT_NAME,
        artifact_location=f"{DEFAULT_ARTIFACT_ROOT}/{DEFAULT_EXPERIMENT_ID}",
    )
    # The payload is our own constant message, so embedding its bytes as a hex literal is safe.
    hex_bytes = payload.SerializeToString().hex()
    return f"""
    INSERT INTO {{schema}}.events (id, stream, stream_version, type, time, actor, correlation_id, payload_type, payload)
    VALUES (gen_random_uuid(), 'experiment/{DEFAULT_EXPERIMENT_ID}', 1, 'experiment.created', now(), 'system',
            'migration', '{payload.DESCRIPTOR.full_name}', '\\x{hex_bytes}'::bytea);
    INSERT INTO {{schema}}.experiments VALUES
        ('{DEFAULT_EXPERIMENT_ID}', '{DEFAULT_EXPERIMENT_NAME}', '{payload.artifact_location}', 'ACTIVE',
         floor(extract(epoch FROM now()) * 1000)::bigint, floor(extract(epoch FROM now()) * 1000)::bigint);
    """


#: SQLSTATEs raised by require_live_experiment (mapped to NOT_FOUND and FAILED_PRECONDITION).
UNKNOWN_EXPERIMENT_SQLSTATE = "MLT01"
DELETED_EXPERIMENT_SQLSTATE = "MLT02"

# Lets CreateRun check its experiment without waiting for a result (the statement rides in the
# write's pipeline; a failure surfaces at commit and rolls the run back).
_GUARDS = f"""
CREATE FUNCTION {{schema}}.require_live_experiment(wanted text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    stage text;
BEGIN
    SELECT lifecycle_stage INTO stage FROM {{schema}}.experiments WHERE experiment_id = wanted;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = '{UNKNOWN_EXPERIMENT_SQLSTATE}', MESSAGE = wanted;
    END IF;
    IF stage = 'DELETED' THEN
        RAISE EXCEPTION USING ERRCODE = '{DELETED_EXPERIMENT_SQLSTATE}', MESSAGE = wanted;
    END IF;
END $$;
"""

# The guard key-share-locks the experiment row: a deletion (which row-locks it FOR UPDATE) then
# waits for the run's commit, or the run's check waits for the deletion and sees DELETED, so a
# run.created can never follow experiment.deleted in the log.
_LOCKING_GUARDS = _GUARDS.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION").replace(
    "WHERE experiment_id = wanted;", "WHERE experiment_id = wanted FOR KEY SHARE;")

MIGRATIONS: list[Migration] = [
    ("tracking-0001-read-models", _TABLES),
    ("tracking-0002-default-experiment", _default_experiment_sql()),
    ("tracking-0003-experiment-guard", _GUARDS),
    ("tracking-0004-experiment-guard-locks", _LOCKING_GUARDS),
]

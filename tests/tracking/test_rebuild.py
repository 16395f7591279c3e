"""Replaying the tracking log rebuilds read models identical to the live ones."""

from __future__ import annotations

import asyncio
import math
import subprocess
import sys
from collections.abc import Iterator

import grpc
import psycopg
import pytest

from mlledger.services.eventstore.database import open_pool
from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.services.tracking.projector import TrackingProjector
from mlledger.services.tracking.schema import READ_MODEL_TABLES
from mlledger.testing import TestStack, running_stack
from mlledger.v1 import tracking_pb2 as pb
from mlledger.v1 import tracking_pb2_grpc
from tests.tracking.conftest import series


@pytest.fixture(scope="module")
def private_stack(mlledger_infrastructure) -> Iterator[TestStack]:  # type: ignore[no-untyped-def]
    """A tracking service on its own database, so no other test writes while tables are compared."""
    with running_stack(mlledger_infrastructure, services=("tracking",)) as stack:
        yield stack


def _activity(stub: tracking_pb2_grpc.TrackingServiceStub) -> str:
    experiment_id = stub.CreateExperiment(pb.CreateExperimentRequest(
        name="rebuild", tags=[pb.Tag(key="a", value="1")])).experiment_id
    stub.UpdateExperiment(pb.UpdateExperimentRequest(experiment_id=experiment_id, new_name="rebuilt"))
    stub.SetExperimentTag(pb.SetExperimentTagRequest(experiment_id=experiment_id, key="b", value="2"))
    stub.DeleteExperimentTag(pb.DeleteExperimentTagRequest(experiment_id=experiment_id, key="a"))
    gone = stub.CreateExperiment(pb.CreateExperimentRequest(name="gone")).experiment_id
    stub.DeleteExperiment(pb.DeleteExperimentRequest(experiment_id=gone))
    parent = stub.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id, tags=[pb.Tag(key="x", value="y")])).run
    run_id = parent.info.run_id
    stub.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id, parent_run_id=run_id))
    for batch in range(3):
        stub.LogBatch(pb.LogBatchRequest(
            run_id=run_id, params=[pb.Param(key=f"p{batch}", value=str(batch))], tags=[pb.Tag(key="x", value=str(batch))],
            metrics=[series("loss", [1.0 / (batch + 1), math.nan, math.inf], steps=[batch, batch, batch]),
                     series("loss", [0.5], steps=[batch])]))
    stub.LogMetric(pb.LogMetricRequest(run_id=run_id, key="acc", value=0.5, step=7, timestamp_ms=3))
    stub.LogInputs(pb.LogInputsRequest(run_id=run_id, datasets=[
        pb.DatasetInput(dataset=pb.Dataset(name="d", digest="1"), context="training"),
        pb.DatasetInput(dataset=pb.Dataset(name="d", digest="1"), context="evaluation")]))
    stub.DeleteTag(pb.DeleteTagRequest(run_id=run_id, key="x"))
    stub.UpdateRun(pb.UpdateRunRequest(run_id=run_id, status=pb.KILLED, run_name="renamed"))
    deleted = stub.CreateRun(pb.CreateRunRequest(experiment_id=experiment_id)).run.info.run_id
    stub.DeleteRun(pb.DeleteRunRequest(run_id=deleted))
    return run_id


def _snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    with psycopg.connect(url) as conn:
        return {table: sorted(conn.execute(f"SELECT * FROM tracking.{table}").fetchall(), key=repr)
                for table in READ_MODEL_TABLES}


async def _rebuild(url: str) -> int:
    pool = await open_pool(url, min_size=1, max_size=2)
    try:
        return await PostgresEventStore(pool, "tracking", TrackingProjector("tracking")).rebuild()
    finally:
        await pool.close()


def test_rebuild_reproduces_live_read_models(private_stack):
    """After varied activity, rebuilding from the log yields row-for-row the same tables, and reads still answer."""
    with grpc.insecure_channel(private_stack.tracking_uri) as channel:
        stub = tracking_pb2_grpc.TrackingServiceStub(channel)
        run_id = _activity(stub)
        live_run = stub.GetRun(pb.GetRunRequest(run_id=run_id)).run
        live = _snapshot(private_stack.database_url)
        assert all(live[table] for table in READ_MODEL_TABLES), "the activity should touch every table"
        replayed = asyncio.run(_rebuild(private_stack.database_url))
        assert replayed > 20
        assert _snapshot(private_stack.database_url) == live
        assert stub.GetRun(pb.GetRunRequest(run_id=run_id)).run == live_run


def test_rebuild_command(private_stack):
    """`mlledger rebuild tracking --database-url ...` replays the log and leaves the same tables."""
    before = _snapshot(private_stack.database_url)
    result = subprocess.run([sys.executable, "-m", "mlledger", "rebuild", "tracking", "--database-url",
                             private_stack.database_url], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "rebuilt the tracking read models" in result.stdout
    assert _snapshot(private_stack.database_url) == before

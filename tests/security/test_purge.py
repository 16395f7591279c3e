"""Purge: a purged run's (experiment's, model version's) data is gone from storage, read models and event
payloads, while the purge itself is in the log, on NATS, survives a rebuild and satisfies the auditor."""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import time
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from click.testing import CliRunner

import mlledger
from mlledger import errors
from mlledger.cli import main as cli
from mlledger.services import catalog
from mlledger.services.core import context as request_context
from mlledger.services.eventstore.database import open_pool
from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.services.tracking.purge import TrackingPurge
from mlledger.testing import TestStack, running_stack
from mlledger.v1 import events_pb2
from mlledger.v1 import tracking_pb2 as tpb

SECRET = "s3cr3t-" + uuid.uuid4().hex[:8]
REDACTED = events_pb2.RedactedPayload.DESCRIPTOR.full_name


@pytest.fixture(scope="module")
def stack(mlledger_infrastructure) -> Iterator[TestStack]:  # type: ignore[no-untyped-def]
    """A stack of this module's own: purges and rebuilds must not touch other tests' data."""
    with running_stack(mlledger_infrastructure) as own:
        yield own


@pytest.fixture(scope="module")
def client(stack: TestStack) -> Iterator[mlledger.Client]:
    with mlledger.Client(stack.tracking_uri, actor="admin-ann") as c:
        yield c


@dataclass
class Logged:
    experiment_id: str
    run_id: str
    artifact_uri: str


def _log_secret_run(client: mlledger.Client, experiment_id: str, tmp_path: Path) -> Logged:
    run = client.create_run(experiment_id, tags={"note": f"tag-{SECRET}"})
    run_id = run.info.run_id
    client.log_param(run_id, f"param-{SECRET}", f"value-{SECRET}")
    client.log_metric(run_id, f"metric-{SECRET}", 0.5, step=1)
    (tmp_path / f"file-{SECRET}.txt").write_text(f"bytes-{SECRET}")
    client.log_artifact(run_id, tmp_path / f"file-{SECRET}.txt")
    return Logged(experiment_id, run_id, run.info.artifact_uri)


def _rows(stack: TestStack, sql: str, *args: object) -> list[tuple]:
    with psycopg.connect(stack.database_url) as conn:
        return conn.execute(sql, args).fetchall()  # type: ignore[arg-type]


def _secret_anywhere(stack: TestStack, secret: str = SECRET) -> list[str]:
    """Every place in any service's log, read models or stored answers that still holds `secret`."""
    found = []
    for schema in ("tracking", "registry", "artifacts"):
        tables = [row[0] for row in _rows(stack, "SELECT table_name FROM information_schema.tables "
                                                 "WHERE table_schema = %s", schema)]
        for table in tables:
            hits = _rows(stack, f"SELECT count(*) FROM {schema}.{table} t WHERE position(%s in t::text) > 0 "
                                f"OR position(convert_to(%s, 'UTF8')::text in t::text) > 0", secret, secret)
            if hits[0][0]:
                found.append(f"{schema}.{table}")
    return found


def _audit(stack: TestStack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mlledger", "auditor", *args, "--tracking-uri", stack.tracking_uri],
                          capture_output=True, text=True, timeout=120)


def test_a_purged_run_is_gone_everywhere_and_the_purge_is_auditable(stack, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Params, metrics, tags and artifacts of the purged run leave storage, read models, event payloads and
    stored answers; its events keep type, entity, time and actor; run.purged is logged, published and audited."""
    experiment_id = client.create_experiment(f"purge-{uuid.uuid4().hex[:6]}")
    doomed = _log_secret_run(client, experiment_id, tmp_path)
    kept = client.create_run(experiment_id)
    client.log_param(kept.info.run_id, "lr", "0.1")
    audit = tmp_path / "audit.jsonl"
    assert _audit(stack, "--out", str(audit), "--once").returncode == 0  # the original payloads are audited
    assert _secret_anywhere(stack)  # the probe sees the data before the purge
    before = _rows(stack, "SELECT id, type, actor, time FROM tracking.events WHERE stream = %s ORDER BY position",
                   f"run/{doomed.run_id}")

    result = client.purge_run(doomed.run_id)

    assert result.redacted_events == len(before) and result.artifact_files == 1
    assert _secret_anywhere(stack) == []
    with pytest.raises(errors.NotFound):
        client.get_run(doomed.run_id)
    assert [r.info.run_id for r in client.search_runs([experiment_id])] == [kept.info.run_id]
    assert client.get_run(kept.info.run_id).data.params == {"lr": "0.1"}
    assert not (stack.stack.config.data_dir / "artifacts" / experiment_id / doomed.run_id).exists()
    after = _rows(stack, "SELECT id, type, actor, time, payload_type FROM tracking.events WHERE stream = %s "
                         "ORDER BY position", f"run/{doomed.run_id}")
    assert [row[:4] for row in after[:-1]] == before  # the events themselves stay
    assert {row[4] for row in after[:-1]} == {REDACTED}
    assert after[-1][1] == "run.purged" and after[-1][2] == "admin-ann"
    marker = events_pb2.RedactedPayload.FromString(bytes(_rows(
        stack, "SELECT payload FROM tracking.events WHERE id = %s", before[0][0])[0][0]))
    assert marker.purge_event_id == str(after[-1][0]) and marker.original_payload_type == "mlledger.v1.RunCreated"

    with mlledger.events.subscribe(stack.subject("tracking", "run.purged"), tracking_uri=stack.tracking_uri) as sub:
        published = next(iter(sub))
    assert published.entity == f"run/{doomed.run_id}" and published.actor == "admin-ann"

    assert _audit(stack, "--out", str(audit), "--once").returncode == 0
    verified = _audit(stack, "verify", str(audit))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{len(before)} redacted by purges" in verified.stdout or "redacted by purges" in verified.stdout


def test_a_rebuild_after_a_purge_does_not_bring_the_data_back(stack, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Replaying the tracking and artifact logs after a purge leaves the purged run out and the rest in."""
    experiment_id = client.create_experiment(f"rebuild-{uuid.uuid4().hex[:6]}")
    doomed = _log_secret_run(client, experiment_id, tmp_path)
    kept = _log_secret_run(client, experiment_id, tmp_path)
    client.purge_run(doomed.run_id)

    async def rebuild(service: str) -> int:
        pool = await open_pool(stack.database_url, min_size=1, max_size=2)
        try:
            return await PostgresEventStore(pool, service, catalog.definition(service).projector(service)).rebuild()
        finally:
            await pool.close()

    assert asyncio.run(rebuild("tracking")) > 0 and asyncio.run(rebuild("artifacts")) > 0
    with pytest.raises(errors.NotFound):
        client.get_run(doomed.run_id)
    assert _rows(stack, "SELECT count(*) FROM tracking.params WHERE run_id = %s", doomed.run_id) == [(0,)]
    assert _rows(stack, "SELECT count(*) FROM artifacts.files WHERE location = %s", doomed.artifact_uri) == [(0,)]
    survivor = client.get_run(kept.run_id)
    assert survivor.data.params == {f"param-{SECRET}": f"value-{SECRET}"}
    assert [f.path for f in client.list_artifacts(kept.run_id)] == [f"file-{SECRET}.txt"]
    client.purge_run(kept.run_id)  # leave no secret behind for the other tests' probes


def test_purging_an_experiment_purges_its_runs_and_frees_its_name(stack, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Every run of the experiment goes with it; the name can be used again; the Default experiment is refused."""
    name = f"exp-{uuid.uuid4().hex[:6]}"
    experiment_id = client.create_experiment(name)
    runs = [_log_secret_run(client, experiment_id, tmp_path).run_id for _ in range(2)]
    result = client.purge_experiment(experiment_id)
    assert sorted(result.run_ids) == sorted(runs) and result.artifact_files == 2
    assert client.get_experiment_by_name(name) is None
    assert _secret_anywhere(stack) == []
    assert _rows(stack, "SELECT type FROM tracking.events WHERE stream = %s ORDER BY position DESC LIMIT 1",
                 f"experiment/{experiment_id}") == [("experiment.purged",)]
    assert client.create_experiment(name) != experiment_id
    with pytest.raises(errors.FailedPrecondition):
        client.purge_experiment("0")


def test_a_purged_model_version_is_gone_and_its_number_not_reused(stack, client, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The version's row, alias, snapshot and event payloads go; as-of reads of the past no longer show it;
    the next version gets a new number."""
    experiment_id = client.create_experiment(f"mv-{uuid.uuid4().hex[:6]}")
    logged = _log_secret_run(client, experiment_id, tmp_path)
    model = f"model-{uuid.uuid4().hex[:6]}"
    client.create_registered_model(model)
    version = client.create_model_version(model, f"runs:/{logged.run_id}/", run_id=logged.run_id,
                                          description=f"desc-{SECRET}")
    client.set_registered_model_alias(model, "champion", version.version)
    moment = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.05)
    result = client.purge_model_version(model, version.version)
    assert result.artifact_files == 1 and result.redacted_events >= 2
    with pytest.raises(errors.NotFound):
        client.get_model_version(model, version.version)
    with pytest.raises(errors.NotFound):
        client.get_model_version(model, version.version, as_of=moment)
    assert _rows(stack, "SELECT count(*) FROM registry.model_aliases a JOIN registry.model_names n "
                        "ON n.model_id = a.model_id WHERE n.name = %s", model) == [(0,)]
    client.purge_run(logged.run_id)
    assert _secret_anywhere(stack) == []
    second = client.create_run(experiment_id).info.run_id
    (tmp_path / "model.txt").write_text("weights")
    client.log_artifact(second, tmp_path / "model.txt")
    assert client.create_model_version(model, f"runs:/{second}/").version == version.version + 1


def test_purge_needs_the_admin_role() -> None:
    """A caller who is not an administrator is refused PERMISSION_DENIED naming the role, before anything runs."""
    store = SimpleNamespace(schema="tracking")  # never reached: the check comes first
    purge = TrackingPurge(store=store, channel=lambda name: None)  # type: ignore[arg-type]
    token = request_context.activate(request_context.RequestContext(actor="bob", is_admin=False))
    try:
        with pytest.raises(errors.PermissionDenied, match="PurgeRun needs the admin role.*bob"):
            asyncio.run(purge.purge_run(tpb.PurgeRunRequest(run_id="x")))
        with pytest.raises(errors.PermissionDenied, match="PurgeExperiment"):
            asyncio.run(purge.purge_experiment(tpb.PurgeExperimentRequest(experiment_id="1")))
    finally:
        request_context.reset(token)


def test_cli_asks_for_confirmation_unless_yes(stack, client) -> None:  # type: ignore[no-untyped-def]
    """`mlledger purge run` aborts on "n" and leaves the run; with --yes it purges and says what it removed."""
    run_id = client.create_run(client.create_experiment(f"cli-{uuid.uuid4().hex[:6]}")).info.run_id
    runner = CliRunner()
    declined = runner.invoke(cli, ["purge", "run", run_id, "--tracking-uri", stack.tracking_uri], input="n\n")
    assert declined.exit_code == 1 and client.get_run(run_id).info.run_id == run_id
    done = runner.invoke(cli, ["purge", "run", run_id, "--yes", "--tracking-uri", stack.tracking_uri])
    assert done.exit_code == 0, done.output
    assert f"purged run {run_id}" in done.output
    with pytest.raises(errors.NotFound):
        client.get_run(run_id)


def test_a_run_whose_files_live_outside_the_artifact_roots_is_still_purged(stack, client) -> None:  # type: ignore[no-untyped-def]
    """The artifact service cannot delete storage it does not manage: the purge goes on and counts no files."""
    experiment_id = client.create_experiment(f"ext-{uuid.uuid4().hex[:6]}",
                                             artifact_location="s3://someone-elses-bucket/runs")
    run_id = client.create_run(experiment_id).info.run_id
    secret = "outside-" + uuid.uuid4().hex
    client.log_param(run_id, secret, "1")
    result = client.purge_run(run_id)
    assert result.artifact_files == 0 and result.redacted_events >= 2
    with pytest.raises(errors.NotFound):
        client.get_run(run_id)
    assert _secret_anywhere(stack, secret) == []

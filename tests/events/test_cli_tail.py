"""`mlledger events tail`: JSON lines for pipes, readable lines for people, from a position or a time."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys


def _tail(args: list[str], stack, lines: int) -> list[str]:
    process = subprocess.Popen([sys.executable, "-m", "mlledger", "events", "tail", "--tracking-uri",
                                stack.tracking_uri, *args], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        return [process.stdout.readline() for _ in range(lines)]
    finally:
        process.kill()
        process.wait()


def test_json_lines_from_a_position(mlledger_stack, client, experiment_id):
    """--since 0 --json replays an entity's events as JSON objects with decoded payloads."""
    run = client.create_run(experiment_id, run_name="tailed")
    client.log_param(run.info.run_id, "alpha", "0.5")
    records = [json.loads(line) for line in _tail(["--since", "0", "--json", "--entity", f"run/{run.info.run_id}"],
                                                   mlledger_stack, 2)]
    assert [r["type"] for r in records] == ["run.created", "run.params_logged"]
    assert records[0]["payload"]["run_name"] == "tailed" and records[0]["actor"] == "events-tests"
    assert records[0]["position"] < records[1]["position"]


def test_readable_line_from_a_time(mlledger_stack, client, experiment_id):
    """A readable line names the subject, the entity, the actor and key payload fields."""
    since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)).isoformat()
    run = client.create_run(experiment_id, run_name="readable")
    line = _tail(["--since", since, "--entity", f"run/{run.info.run_id}"], mlledger_stack, 1)[0]
    assert "tracking.run.created" in line and f"run/{run.info.run_id}" in line
    assert "by events-tests" in line and "run_name=readable" in line

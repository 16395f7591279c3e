"""`mlledger run` on the local backend: parameters, quoting, statuses, output, interruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import mlledger
import mlledger.projects
from tests.projects.conftest import only_run, runs_of, write_project

MLPROJECT = """\
name: typed
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      epochs: {type: int, default: 3}
      label: {type: string, default: plain}
    command: "python record.py {alpha} {epochs} {label}"
  needs:
    parameters:
      data: path
    command: "python record.py {data}"
  fail:
    parameters:
      code: {type: int, default: 3}
    command: "echo failing; exit {code}"
  sleep:
    parameters:
      pidfile: string
    command: "python sleeper.py {pidfile}"
"""

RECORD = """\
import json, sys
import mlledger
with mlledger.start_run() as run:
    mlledger.log_metric("seen", 1.0)
    print("RECORD " + json.dumps({"argv": sys.argv[1:], "run_id": run.run_id}), flush=True)
"""

SLEEPER = """\
import subprocess, sys, time
grandchild = subprocess.Popen(["sleep", "300"])
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(f"{__import__('os').getpid()} {grandchild.pid}")
__import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
print("sleeping", flush=True)
time.sleep(300)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "typed", MLPROJECT, {"record.py": RECORD, "sleeper.py": SLEEPER})


def _record(stdout: str) -> dict:
    line = next(line for line in stdout.splitlines() if line.startswith("RECORD "))
    return json.loads(line[len("RECORD "):])


def test_defaults_are_used_and_the_command_continues_the_run(project, run_cli, client, experiment_name):
    """Without -P the defaults are used; the command's start_run() continues the run `mlledger run` created."""
    result = run_cli(str(project))
    assert result.returncode == 0, result.stderr
    record = _record(result.stdout)
    assert record["argv"] == ["0.5", "3", "plain"]
    run = only_run(client, experiment_name)
    assert record["run_id"] == run.info.run_id
    assert run.info.status == "FINISHED"
    assert run.data.params == {"alpha": "0.5", "epochs": "3", "label": "plain"}
    assert run.data.metrics["seen"] == 1.0
    tags = run.data.tags
    assert tags["mlflow.project.entryPoint"] == tags["mlledger.project.entryPoint"] == "main"
    assert tags["mlledger.project.name"] == "typed"
    assert tags["mlflow.source.type"] == "PROJECT"
    assert tags["mlledger.source.name"] == str(project)
    assert tags["mlledger.project.env"] == "local"
    assert tags["mlledger.project.exitCode"] == "0"
    log = Path(client.download_artifacts(run.info.run_id, "project/output.log"))
    assert "RECORD" in log.read_text()


def test_overrides_and_extra_parameters(project, run_cli, client, experiment_name):
    """-P values override defaults; undeclared ones are passed as --key value and logged too."""
    result = run_cli(str(project), "-P", "alpha=0.25", "-P", "epochs=10", "-P", "label=two words", "-P", "extra=7")
    assert result.returncode == 0, result.stderr
    assert _record(result.stdout)["argv"] == ["0.25", "10", "two words", "--extra", "7"]
    run = only_run(client, experiment_name)
    assert run.data.params == {"alpha": "0.25", "epochs": "10", "label": "two words", "extra": "7"}


@pytest.mark.parametrize(("args", "message"), [
    (["-P", "epochs=three"], "parameters.epochs: expected an int, got 'three'"),
    (["-P", "alpha=fast"], "parameters.alpha: expected a float, got 'fast'"),
    (["-e", "needs"], "parameters.data: no value given for 'data'"),
    (["-e", "needs", "-P", "data=does/not/exist"], "parameters.data: no such file or directory"),
    (["-e", "nothing"], "no entry point 'nothing'"),
])
def test_bad_or_missing_parameters_are_refused_before_anything_runs(project, run_cli, client, experiment_name,
                                                                      args, message):
    """A bad type, a missing value or an unknown entry point: refused, no run created, nothing executed."""
    result = run_cli(str(project), *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "RECORD" not in result.stdout
    assert runs_of(client, experiment_name) == []


def test_a_hostile_parameter_value_stays_data(project, run_cli, tmp_path, client, experiment_name):
    """A value with shell syntax reaches the program as one argument and is never executed."""
    target = tmp_path / "pwned"
    hostile = f"x; touch {target} $(touch {target}) `touch {target}`"
    result = run_cli(str(project), "-P", f"label={hostile}", "-P", f"x$(touch {target})=1")
    assert result.returncode == 0, result.stderr
    assert _record(result.stdout)["argv"][2] == hostile
    assert not target.exists()
    assert only_run(client, experiment_name).data.params["label"] == hostile


def test_a_failing_command_marks_the_run_failed_with_its_exit_code(project, run_cli, client, experiment_name):
    """The run ends FAILED, the exit code is recorded and returned, and the output is saved."""
    result = run_cli(str(project), "-e", "fail", "-P", "code=3")
    assert result.returncode == 3
    assert "failing" in result.stdout
    run = only_run(client, experiment_name)
    assert run.info.status == "FAILED"
    assert run.data.tags["mlledger.project.exitCode"] == "3"
    assert "failing" in Path(client.download_artifacts(run.info.run_id, "project/output.log")).read_text()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_ctrl_c_kills_the_run_and_stops_its_children(project, cli_env, tmp_path, client, experiment_name):
    """SIGINT to `mlledger run` stops the command and what it started, and the run ends KILLED."""
    pidfile = tmp_path / "pids"
    process = subprocess.Popen([sys.executable, "-m", "mlledger", "run", str(project), "-e", "sleep",
                                "-P", f"pidfile={pidfile}"], env=cli_env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not pidfile.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        child, grandchild = map(int, pidfile.read_text().split())
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "KILLED" in stderr
    assert not _alive(child) and not _alive(grandchild)
    run = only_run(client, experiment_name)
    assert run.info.status == "KILLED", stderr


def test_python_api_runs_asynchronously_and_cancels(project, mlledger_stack, tmp_path, client, experiment_name,
                                                    monkeypatch):
    """run(synchronous=False) returns at once; get_status, cancel and wait work on the submitted run."""
    monkeypatch.setenv("MLLEDGER_ENV_ROOT", str(tmp_path / "envs"))
    mlledger.set_tracking_uri(mlledger_stack.tracking_uri)
    finished = mlledger.projects.run(str(project), parameters={"epochs": 4}, experiment_name=experiment_name)
    assert finished.get_status() == "FINISHED" and finished.wait()
    pidfile = tmp_path / "pids"
    submitted = mlledger.projects.run(str(project), "sleep", {"pidfile": str(pidfile)},
                                      experiment_name=experiment_name, synchronous=False)
    assert submitted.get_status() == "RUNNING"
    deadline = time.monotonic() + 60
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    submitted.cancel()
    assert submitted.get_status() == "KILLED"
    assert submitted.wait() is False
    assert client.get_run(submitted.run_id).info.status == "KILLED"
    assert client.get_run(finished.run_id).data.params["epochs"] == "4"
    with pytest.raises(mlledger.projects.ExecutionError, match="ended FAILED"):
        mlledger.projects.run(str(project), "fail", experiment_name=experiment_name)


def test_a_path_parameter_given_as_an_artifact_uri_is_downloaded(project, run_cli, client, tmp_path, experiment_name):
    """A `path` parameter may name an artifact: the command gets a local copy, the run records the URI."""
    source_run = client.create_run(client.create_experiment(f"{experiment_name}-src"))
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    client.log_artifact(source_run.info.run_id, data, "inputs")
    uri = f"{source_run.info.artifact_uri}/inputs/data.csv"
    result = run_cli(str(project), "-e", "needs", "-P", f"data={uri}")
    assert result.returncode == 0, result.stderr
    local = Path(_record(result.stdout)["argv"][0])
    assert local.name == "data.csv" and local != data
    assert only_run(client, experiment_name).data.params["data"] == uri


def test_a_project_run_is_an_ordinary_run_in_the_event_log(project, run_cli, client, experiment_name,
                                                            mlledger_stack):
    """Its creation, params, tags and end are events of the run's stream, like any run's."""
    import grpc

    from mlledger.v1 import events_pb2, events_pb2_grpc, tracking_pb2

    result = run_cli(str(project), "-P", "alpha=0.125")
    assert result.returncode == 0, result.stderr
    run_id = only_run(client, experiment_name).info.run_id
    with grpc.insecure_channel(mlledger_stack.tracking_uri) as channel:
        stub = events_pb2_grpc.EventLogServiceStub(channel)
        events = stub.ReadEvents(events_pb2.ReadEventsRequest(stream=f"run/{run_id}", limit=1000)).events
    types = [event.type for event in events]
    assert types[0] == "run.created"
    assert "run.params_logged" in types and "run.tag_set" in types, types
    statuses = [tracking_pb2.RunStatus.Name(tracking_pb2.RunUpdated.FromString(event.payload.value).status)
                for event in events if event.type == "run.updated"]
    assert "FINISHED" in statuses, statuses

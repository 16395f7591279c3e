"""The Kubernetes backend: the Job manifest is valid, and without a cluster it is written and logged."""

from __future__ import annotations

import json
import time

import kubernetes_validate
import yaml

from mlledger.projects import render_job
from tests.projects.conftest import only_run, write_project

K8S_VERSION = "1.30"


def _validate(manifest: dict) -> None:
    kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)


def test_the_rendered_job_validates_against_the_kubernetes_schemas(tmp_path):
    """The default template and a user's template both render to a Job the Kubernetes schemas accept."""
    variables = {"MLLEDGER_TRACKING_URI": "tracking.ml:50051", "MLLEDGER_RUN_ID": "0123456789abcdef" * 2}
    config = {"resources": {"limits": {"cpu": "2", "memory": "1Gi"}, "requests": {"cpu": "500m"}}, "namespace": "ml"}
    job = render_job(config, "My Project_v2!", "0123456789abcdef" * 2, "registry.example.com/p:1",
                     "python train.py --alpha '0.5'", variables)
    _validate(job)
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert job["metadata"]["name"] == "my-project-v2-0123456789abcdef"
    assert job["metadata"]["namespace"] == "ml"
    assert container["command"] == ["/bin/sh", "-c", "python train.py --alpha '0.5'"]
    assert {"name": "MLLEDGER_RUN_ID", "value": "0123456789abcdef" * 2} in container["env"]
    assert container["resources"]["limits"]["memory"] == "1Gi"

    template = tmp_path / "template.yaml"
    template.write_text(yaml.safe_dump({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "x", "namespace": "team"},
        "spec": {"backoffLimit": 2, "template": {"spec": {"restartPolicy": "Never", "containers": [
            {"name": "trainer", "image": "ignored", "env": [{"name": "KEEP", "value": "1"}]}]}}}}))
    custom = render_job({"kube-job-template-path": str(template)}, "p", "abc", "img:2", "true", variables)
    _validate(custom)
    assert custom["metadata"]["namespace"] == "team" and custom["spec"]["backoffLimit"] == 2
    assert custom["spec"]["template"]["spec"]["containers"][0]["env"][0] == {"name": "KEEP", "value": "1"}


def test_without_a_cluster_the_manifest_is_written_and_the_run_is_scheduled(tmp_path, run_cli, client,
                                                                            experiment_name, mlledger_stack):
    """`--backend kubernetes` with no cluster answering: says so, writes a valid manifest, run SCHEDULED."""
    root = write_project(tmp_path / "kube", """\
        name: kube-project
        entry_points:
          main:
            parameters:
              alpha: {type: float, default: 0.5}
            command: "python train.py --alpha {alpha}"
        """)
    config = tmp_path / "backend.json"
    manifests = tmp_path / "manifests"
    config.write_text(json.dumps({"repository-uri": "registry.example.com/kube-project:1", "manifest-dir": str(manifests),
                                  "tracking-uri": "mlledger-tracking.ml:50051",
                                  "resources": {"limits": {"cpu": "1"}}}))
    started = time.monotonic()
    result = run_cli(str(root), "--backend", "kubernetes", "--backend-config", str(config), "-P", "alpha=0.7")
    assert result.returncode == 0, result.stderr
    assert "no Kubernetes cluster answered" in result.stderr
    assert time.monotonic() - started < 120  # detection must not hang on a missing cluster
    run = only_run(client, experiment_name)
    assert run.info.status == "SCHEDULED"
    assert run.data.tags["mlflow.project.backend"] == "kubernetes"
    written = list(manifests.glob("*.yaml"))
    assert len(written) == 1
    job = yaml.safe_load(written[0].read_text())
    _validate(job)
    env = {item["name"]: item["value"] for item in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["MLLEDGER_RUN_ID"] == run.info.run_id
    assert env["MLLEDGER_TRACKING_URI"] == "mlledger-tracking.ml:50051"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"][-1] == "python train.py --alpha 0.7"
    assert [item.path for item in client.list_artifacts(run.info.run_id, "project")] == [f"project/{written[0].name}"]


def test_an_unknown_backend_config_key_is_refused(tmp_path, run_cli):
    """A misspelt key in the backend config is named."""
    root = write_project(tmp_path / "k", "name: k\nentry_points:\n  main:\n    command: 'true'\n")
    config = tmp_path / "backend.json"
    config.write_text(json.dumps({"repository-url": "x"}))
    result = run_cli(str(root), "--backend", "kubernetes", "--backend-config", str(config))
    assert result.returncode != 0
    assert "unknown key 'repository-url'" in result.stderr


FAKE_KUBECTL = """#!/bin/bash
# Stands in for a cluster: answers as kubectl does, with the Job state the test writes.
echo "$*" >> "$FAKE_KUBE/calls"
case " $* " in
  *" version "*) echo '{"clientVersion": {}, "serverVersion": {"major": "1", "minor": "30"}}' ;;
  *" apply "*) echo "job.batch created" ;;
  *" get job "*) cat "$FAKE_KUBE/job.json" ;;
  *" delete job "*) echo "job.batch deleted" ;;
  *) exit 1 ;;
esac
"""


def test_a_submitted_job_is_followed_into_the_run_status(tmp_path, mlledger_stack, client, experiment_name,
                                                        monkeypatch):
    """With a cluster answering, the Job is applied and its start, failure or deletion become the run's status."""
    import mlledger
    import mlledger.projects

    bin_dir, state = tmp_path / "bin", tmp_path / "kube"
    bin_dir.mkdir()
    state.mkdir()
    (bin_dir / "kubectl").write_text(FAKE_KUBECTL)
    (bin_dir / "kubectl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    monkeypatch.setenv("FAKE_KUBE", str(state))
    mlledger.set_tracking_uri(mlledger_stack.tracking_uri)
    root = write_project(tmp_path / "kube", "name: k\nentry_points:\n  main:\n    command: 'python t.py'\n")
    config = {"repository-uri": "img:1", "manifest-dir": str(tmp_path / "manifests"), "kube-context": "test"}

    def job(status: dict) -> None:
        (state / "job.json").write_text(json.dumps({"status": status}))

    job({})
    submitted = mlledger.projects.run(str(root), backend="kubernetes", backend_config=config,
                                      experiment_name=experiment_name, synchronous=False)
    assert submitted.submitted
    calls = (state / "calls").read_text()
    assert f"--context test apply -f {submitted.manifest_path}" in calls
    assert submitted.get_status() == "SCHEDULED"
    job({"startTime": "2026-01-01T00:00:00Z"})
    assert submitted.get_status() == "RUNNING"
    assert client.get_run(submitted.run_id).info.status == "RUNNING"
    job({"startTime": "2026-01-01T00:00:00Z", "conditions": [{"type": "Failed", "status": "True"}]})
    assert submitted.wait() is False
    assert client.get_run(submitted.run_id).info.status == "FAILED"

    job({})
    cancelled = mlledger.projects.run(str(root), backend="kubernetes", backend_config=config,
                                      experiment_name=experiment_name, synchronous=False)
    cancelled.cancel()
    assert f"delete job {cancelled.job_name}" in (state / "calls").read_text()
    assert client.get_run(cancelled.run_id).info.status == "KILLED"

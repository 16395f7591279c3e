"""The Kubernetes backend: a Job rendered from a template, submitted with kubectl when a cluster answers.

Backend configuration (a JSON file, `--backend-config`), MLflow's keys plus a few of ours:

    {"repository-uri": "registry.example.com/team/project:1.0",   # the image (default: docker_env image)
     "kube-context": "prod",                                      # optional; default: kubectl's current one
     "kube-job-template-path": "job-template.yaml",               # optional; default: a plain batch/v1 Job
     "namespace": "ml",                                           # default: the template's, else "default"
     "resources": {"limits": {"cpu": "2", "memory": "4Gi"}},      # the container's resources
     "tracking-uri": "mlledger-tracking.ml:50051",                # the address as seen from the cluster
     "manifest-dir": "."}                                         # where the manifest is written

Without a cluster the manifest is written (and logged on the run) and the run stays SCHEDULED
until someone applies it: the Job's container continues the same run.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from mlledger.client import Client
from mlledger.projects._errors import EnvironmentUnavailable, ExecutionError, ProjectSpecError
from mlledger.projects._submitted import TERMINAL_STATUSES, SubmittedRun
from mlledger.projects._yaml import load_yaml

WORKDIR = "/mlledger/projects/code"
_CONFIG_KEYS = {"repository-uri", "kube-context", "kube-job-template-path", "namespace", "resources",
                "tracking-uri", "manifest-dir", "working-dir"}
DEFAULT_TEMPLATE: dict[str, Any] = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "mlledger-project", "namespace": "default"},
    "spec": {
        "backoffLimit": 0,
        "ttlSecondsAfterFinished": 86400,
        "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "unset"}]}},
    },
}


def load_config(path_or_dict: str | os.PathLike[str] | dict[str, Any] | None) -> dict[str, Any]:
    """The backend configuration from a JSON file or a dict, with unknown keys refused by name."""
    if path_or_dict is None:
        return {}
    if isinstance(path_or_dict, dict):
        config = dict(path_or_dict)
    else:
        try:
            config = json.loads(Path(path_or_dict).read_text())
        except (OSError, ValueError) as exc:
            raise ProjectSpecError(str(path_or_dict), None, f"is not a readable JSON file: {exc}") from None
    if not isinstance(config, dict):
        raise ProjectSpecError("backend config", None, "must be a JSON object")
    unknown = sorted(set(config) - _CONFIG_KEYS)
    if unknown:
        known = ", ".join(sorted(_CONFIG_KEYS))
        raise ProjectSpecError("backend config", None, f"unknown key {unknown[0]!r} (known: {known})")
    return config


def job_name(project_name: str, run_id: str) -> str:
    """A DNS-1123 name (at most 63 characters) from the project name and the run id."""
    stem = re.sub(r"[^a-z0-9-]+", "-", project_name.lower()).strip("-")[:40] or "project"
    return f"{stem}-{run_id[:16]}".strip("-")


def render_job(config: dict[str, Any], project_name: str, run_id: str, image: str, command: str,
               variables: dict[str, str]) -> dict[str, Any]:
    """The Job manifest: the template with name, image, command, environment and resources filled in."""
    template_path = config.get("kube-job-template-path")
    job = copy.deepcopy(load_yaml(Path(template_path)) if template_path else DEFAULT_TEMPLATE)
    job = json.loads(json.dumps(job))  # plain dicts (the loader's LineMap) for any YAML/JSON writer
    try:
        container = job["spec"]["template"]["spec"]["containers"][0]
    except (KeyError, IndexError, TypeError):
        raise ProjectSpecError(str(template_path), None,
                               "a Job template needs spec.template.spec.containers[0]") from None
    name = job_name(project_name, run_id)
    metadata = job.setdefault("metadata", {})
    metadata["name"] = name
    metadata["namespace"] = config.get("namespace") or metadata.get("namespace") or "default"
    labels = {"app.kubernetes.io/managed-by": "mlledger", "mlledger.run-id": run_id[:63]}
    metadata.setdefault("labels", {}).update(labels)
    job["spec"]["template"].setdefault("metadata", {}).setdefault("labels", {}).update(labels)
    container["name"] = container.get("name") or "main"
    container["image"] = image
    container["command"] = ["/bin/sh", "-c", command]
    container.setdefault("workingDir", config.get("working-dir", WORKDIR))
    env = [item for item in container.get("env", []) if item.get("name") not in variables]
    container["env"] = env + [{"name": key, "value": value} for key, value in variables.items()]
    if config.get("resources"):
        container["resources"] = config["resources"]
    result: dict[str, Any] = job
    return result


def cluster_answers(context: str | None, timeout: float = 5.0) -> tuple[bool, str]:
    """Whether kubectl reaches a cluster (quickly: no context fails at once), and what it said."""
    argv = ["kubectl", *(["--context", context] if context else []), "version", "-o", "json",
            f"--request-timeout={int(timeout)}s"]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 5)
    except FileNotFoundError:
        return False, "kubectl is not installed"
    except subprocess.TimeoutExpired:
        return False, f"no answer within {timeout:.0f}s"
    try:
        answered = "serverVersion" in json.loads(result.stdout or "{}")
    except ValueError:
        answered = False
    return answered, (result.stderr.strip().splitlines() or ["no server version"])[-1]


class KubernetesSubmittedRun(SubmittedRun):
    """A run whose command is a Kubernetes Job; the Job's state is followed into the run's status."""

    POLL_SECONDS = 5.0

    def __init__(self, run_id: str, client: Client, name: str, namespace: str, context: str | None,
                 manifest_path: Path, submitted: bool) -> None:
        self._run_id, self._client, self.job_name, self.namespace = run_id, client, name, namespace
        self._context, self.manifest_path, self.submitted = context, manifest_path, submitted
        self._status = "SCHEDULED"

    @property
    def run_id(self) -> str:
        return self._run_id

    def _kubectl(self, *args: str) -> subprocess.CompletedProcess[str]:
        argv = ["kubectl", *(["--context", self._context] if self._context else []), "-n", self.namespace, *args]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)

    def get_status(self) -> str:
        if self._status in TERMINAL_STATUSES:
            return self._status
        if not self.submitted:
            self._status = self._client.get_run(self._run_id).info.status
            return self._status
        result = self._kubectl("get", "job", self.job_name, "-o", "json")
        if result.returncode != 0:
            return self._status
        status = json.loads(result.stdout).get("status", {})
        conditions = {c.get("type"): c.get("status") for c in status.get("conditions", [])}
        if conditions.get("Complete") == "True" or conditions.get("SuccessCriteriaMet") == "True":
            self._end("FINISHED")
        elif conditions.get("Failed") == "True":
            self._end("FAILED")
        elif status.get("startTime") and self._status == "SCHEDULED":
            self._client.update_run(self._run_id, status="RUNNING")
            self._status = "RUNNING"
        return self._status

    def _end(self, status: str) -> None:
        self._client.set_terminated(self._run_id, status)
        self._status = status

    def wait(self) -> bool:
        """Follow the Job until it ends; without a cluster there is nothing to follow (returns False)."""
        if not self.submitted:
            return False
        try:
            while self.get_status() not in TERMINAL_STATUSES:
                time.sleep(self.POLL_SECONDS)
        except KeyboardInterrupt:
            self.cancel()
            raise
        return self._status == "FINISHED"

    def cancel(self) -> None:
        if self._status in TERMINAL_STATUSES:
            return
        if self.submitted:
            self._kubectl("delete", "job", self.job_name, "--wait=false", "--cascade=foreground")
        self._end("KILLED")


def submit(client: Client, config: dict[str, Any], job: dict[str, Any], run_id: str,
           say: Callable[[str], None]) -> KubernetesSubmittedRun:
    """Write the manifest, log it on the run, and apply it when a cluster answers."""
    name, namespace = job["metadata"]["name"], job["metadata"]["namespace"]
    manifest_dir = Path(config.get("manifest-dir") or ".")
    manifest_dir.mkdir(parents=True, exist_ok=True)
    manifest = manifest_dir / f"{name}.yaml"
    manifest.write_text(yaml.safe_dump(job, sort_keys=False))
    client.log_artifact(run_id, manifest, "project")
    client.update_run(run_id, status="SCHEDULED")
    context = config.get("kube-context")
    answered, detail = cluster_answers(context)
    if not answered:
        say(f"no Kubernetes cluster answered ({detail}); the Job manifest is written to {manifest} "
            f"(run {run_id} stays SCHEDULED until it is applied: kubectl apply -f {manifest})")
        return KubernetesSubmittedRun(run_id, client, name, namespace, context, manifest, submitted=False)
    argv = ["kubectl", *(["--context", context] if context else []), "apply", "-f", str(manifest)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        client.set_terminated(run_id, "FAILED")
        raise ExecutionError(f"kubectl apply failed: {result.stderr.strip()}")
    say(f"submitted the Job {namespace}/{name} for run {run_id}")
    return KubernetesSubmittedRun(run_id, client, name, namespace, context, manifest, submitted=True)


def image_for(config: dict[str, Any], docker_env: dict[str, Any] | None) -> str:
    """The image to run: the configured repository URI, else the project's docker_env image."""
    image = config.get("repository-uri") or (docker_env or {}).get("image")
    if not image:
        raise EnvironmentUnavailable("the Kubernetes backend needs an image: set \"repository-uri\" in the backend "
                                     "config or a docker_env image in the MLproject")
    return str(image)

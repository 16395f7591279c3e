"""Kubernetes manifests for a model's image: a Deployment and a Service on the HTTP and gRPC ports.

The rolling update never removes a ready pod before its replacement is ready (maxUnavailable 0);
a pod leaves the Service's endpoints (preStop pause) before SIGTERM, and the server then finishes
its requests in flight within the grace period.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from mlledger.models.packaging.docker import GRPC_PORT, HTTP_PORT, USER_ID
from mlledger.models.serving.server import model_identity

#: Seconds between a pod's removal from the endpoints and SIGTERM, so no new request reaches it after.
PRE_STOP_SECONDS = 5
#: The server's own grace period for requests in flight (its --grace default).
SERVER_GRACE_SECONDS = 30


def deployment_name(model_uri: str) -> str:
    """A DNS-1123 name from the model's name (and version when the URI has a number)."""
    name, version = model_identity(model_uri)
    base = f"{name}-{version}" if version.isdigit() and model_uri.startswith("models:/") else name
    cleaned = re.sub(r"[^a-z0-9-]+", "-", base.lower()).strip("-")
    return (cleaned[:63].rstrip("-")) or "model"


def manifests(model_uri: str, name: str | None = None, image: str | None = None, replicas: int = 2,
              cpu: str = "500m", memory: str = "512Mi") -> list[dict[str, Any]]:
    """The Deployment and the Service, as dictionaries."""
    name = name or deployment_name(model_uri)
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "scoring-server",
              "app.kubernetes.io/managed-by": "mlledger"}
    selector = {"app.kubernetes.io/name": name}
    container = {
        "name": "scoring-server",
        "image": image or f"{name}:latest",
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"},
                  {"name": "grpc", "containerPort": GRPC_PORT, "protocol": "TCP"}],
        "startupProbe": _probe("/ping", period=2, failures=60),
        "readinessProbe": _probe("/v2/health/ready", period=5, failures=2),
        "livenessProbe": _probe("/v2/health/live", period=10, failures=3),
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", str(PRE_STOP_SECONDS)]}}},
        "resources": {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
        # The metrics of several workers are shared through files under /tmp.
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": dict(labels), "annotations": {"mlledger.io/model-uri": model_uri}},
        "spec": {
            "replicas": replicas,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": dict(selector)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": dict(labels), "annotations": {
                    "prometheus.io/scrape": "true", "prometheus.io/port": str(HTTP_PORT),
                    "prometheus.io/path": "/metrics"}},
                "spec": {
                    "terminationGracePeriodSeconds": PRE_STOP_SECONDS + SERVER_GRACE_SECONDS + 10,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": USER_ID, "runAsGroup": USER_ID,
                                        "fsGroup": USER_ID, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": dict(labels)},
        "spec": {
            "type": "ClusterIP",
            "selector": dict(selector),
            "ports": [
                {"name": "http", "port": HTTP_PORT, "targetPort": "http", "protocol": "TCP"},
                {"name": "grpc", "port": GRPC_PORT, "targetPort": "grpc", "protocol": "TCP",
                 "appProtocol": "kubernetes.io/h2c"},
            ],
        },
    }
    return [deployment, service]


def kubernetes_manifests(model_uri: str, name: str | None = None, image: str | None = None, replicas: int = 2) -> str:
    """The Deployment and the Service as one multi-document YAML text."""
    documents = manifests(model_uri, name=name, image=image, replicas=replicas)
    return "---\n".join(yaml.safe_dump(document, sort_keys=False) for document in documents)


def _probe(path: str, period: int, failures: int) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": "http"}, "periodSeconds": period, "timeoutSeconds": 3,
            "failureThreshold": failures}

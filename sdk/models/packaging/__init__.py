"""Packaging a model for deployment: a container build context and Kubernetes manifests."""

from mlledger.models.packaging.docker import build_image, docker_available, dockerfile, entry_command, write_build_context
from mlledger.models.packaging.kubernetes import deployment_name, kubernetes_manifests, manifests

__all__ = ["build_image", "deployment_name", "docker_available", "dockerfile", "entry_command",
           "kubernetes_manifests", "manifests", "write_build_context"]

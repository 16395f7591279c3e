"""Adds `serve`, `build-docker` and `k8s` to the `mlledger models` group (imported by that group)."""

from mlledger._cli_models import models
from mlledger._cli_serving import register

register(models)

"""The fluent registry API: `mlledger.register_model` and friends, on the default client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlledger import errors
from mlledger._fluent import _client
from mlledger._registry_entities import ModelVersion


def register_model(model_uri: str, name: str, tags: Mapping[str, Any] | None = None) -> ModelVersion:
    """Register `model_uri` ("runs:/<run_id>/<path>" or an artifact location) as a new version of `name`,
    creating the registered model first if it does not exist."""
    client = _client()
    try:
        client.create_registered_model(name)
    except errors.AlreadyExists:
        pass  # registering into an existing model is the common case
    run_id = None
    if model_uri.startswith("runs:/"):
        run_id = model_uri[len("runs:/"):].lstrip("/").split("/", 1)[0] or None
    return client.create_model_version(name, model_uri, run_id=run_id, tags=tags)


def resolve_model_uri(uri: str) -> ModelVersion:
    """The version a models:/ URI names (by number, stage or alias)."""
    return _client().resolve_model_uri(uri).model_version

"""The services this distribution can run, by name, imported only when started."""

from __future__ import annotations

import importlib

from mlledger.services.core.config import SERVICES
from mlledger.services.core.server import ServiceDefinition


def definition(name: str) -> ServiceDefinition:
    """The definition of service `name` ("tracking", "registry" or "artifacts")."""
    if name not in SERVICES:
        raise ValueError(f"unknown service {name!r}: expected one of {', '.join(SERVICES)}")
    module = importlib.import_module(f"mlledger.services.{name}.service")
    return module.definition()  # type: ignore[no-any-return]

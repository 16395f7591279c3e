"""The flavor registry: which code loads a model directory as a pyfunc.

A flavor is one module that calls `register_flavor` when imported. `MLmodel`'s
`flavors.python_function.loader_module` names the module that wrote the model; each flavor
lists the loader modules it understands (its own and MLflow's), so MLflow's models load here.
Third-party flavors register through the `mlledger.flavors` entry-point group.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mlledger.models.model import Model


class PredictImpl(Protocol):
    """What a flavor's loader returns: a predict that takes the enforced input and the params."""

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any: ...


#: A flavor's loader: (model directory, parsed MLmodel, its python_function configuration) -> PredictImpl.
Loader = Callable[[Path, Model, dict[str, Any]], PredictImpl]


@dataclass(frozen=True)
class Flavor:
    """A named flavor, the loader modules it answers for, and its pyfunc loader."""

    name: str
    loader_modules: tuple[str, ...]
    load_pyfunc: Loader


_FLAVORS: dict[str, Flavor] = {}
_BY_LOADER: dict[str, Flavor] = {}
#: Modules of the flavors that ship with mlledger; imported on first lookup.
BUILTIN_FLAVOR_MODULES = ("mlledger.sklearn", "mlledger.pyfunc.python_model")
_discovered = False


def register_flavor(flavor: Flavor) -> Flavor:
    """Make `flavor` known; a later registration of the same loader module replaces the earlier one."""
    _FLAVORS[flavor.name] = flavor
    for module in flavor.loader_modules:
        _BY_LOADER[module] = flavor
    return flavor


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for module in BUILTIN_FLAVOR_MODULES:
        importlib.import_module(module)
    for entry in importlib.metadata.entry_points(group="mlledger.flavors"):
        entry.load()


def flavor_for_loader(loader_module: str) -> Flavor:
    """The flavor that loads models written with `loader_module`, or LookupError naming it."""
    _discover()
    found = _BY_LOADER.get(loader_module)
    if found is None:
        raise LookupError(f"no flavor loads models of loader_module {loader_module!r}; "
                          f"known: {sorted(_BY_LOADER)}")
    return found


def registered_flavors() -> dict[str, Flavor]:
    """Every known flavor by name."""
    _discover()
    return dict(_FLAVORS)

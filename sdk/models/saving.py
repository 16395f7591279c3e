"""The steps every flavor's `save_model` shares: the directory, the signature (given or inferred
from the input example), the example files, the environment files and `MLmodel` itself."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mlledger.models.environment import write_environment
from mlledger.models.example import save_input_example
from mlledger.models.infer import infer_signature
from mlledger.models.model import PYFUNC_FLAVOR, Model, directory_size
from mlledger.models.schema import ModelSignature


def prepare_directory(path: str | os.PathLike[str]) -> Path:
    """A new, empty model directory; FileExistsError when something is already there (nothing is overwritten)."""
    target = Path(path)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} already exists and is not empty")
    target.mkdir(parents=True, exist_ok=True)
    return target


def resolve_signature(signature: ModelSignature | None | bool, input_example: Any,
                      predict: Callable[[Any], Any] | None) -> ModelSignature | None:
    """The given signature, or one inferred from the example (and the model's output on it); False means none."""
    if signature is False:
        return None
    if signature is not None:
        return signature  # type: ignore[return-value]
    if input_example is None:
        return None
    output = None
    if predict is not None:
        try:
            output = predict(input_example)
        except Exception:  # noqa: BLE001 - an example the model cannot score still documents the input
            output = None
    return infer_signature(input_example, output)


def pyfunc_conf(loader_module: str, env: dict[str, str], **extra: Any) -> dict[str, Any]:
    """The `python_function` flavor entry: which module loads the model and with which files."""
    return {"loader_module": loader_module, "python_version": platform.python_version(), "env": env, **extra}


def finish(directory: Path, model: Model, *, input_example: Any = None, requirements: Iterable[str] = (),
           extra_pip_requirements: Iterable[str] = (), metadata: dict[str, Any] | None = None,
           pyfunc: dict[str, Any] | None = None, loader_module: str | None = None) -> Model:
    """Write the example, the environment and `MLmodel`; `model_size_bytes` counts everything else."""
    if input_example is not None:
        save_input_example(directory, input_example, model)
    env = write_environment(directory, requirements, extra_pip_requirements)
    if loader_module is not None:
        model.flavors = {PYFUNC_FLAVOR: pyfunc_conf(loader_module, env, **(pyfunc or {})), **model.flavors}
    if metadata is not None:
        model.metadata = metadata
    model.model_size_bytes = directory_size(directory)
    model.save(directory)
    model.directory = str(directory)
    return model

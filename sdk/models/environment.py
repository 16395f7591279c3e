"""The environment files beside `MLmodel`: `requirements.txt`, `python_env.yaml` and `conda.yaml`,
as MLflow writes them, so `pip install -r requirements.txt` recreates what the model needs."""

from __future__ import annotations

import importlib.metadata
import os
import platform
from collections.abc import Iterable
from pathlib import Path

import yaml

REQUIREMENTS_FILE = "requirements.txt"
PYTHON_ENV_FILE = "python_env.yaml"
CONDA_FILE = "conda.yaml"


def pinned(package: str) -> str:
    """`package==<installed version>`, or the bare name when it is not installed."""
    try:
        return f"{package}=={importlib.metadata.version(package)}"
    except importlib.metadata.PackageNotFoundError:
        return package


def _build_tools() -> list[str]:
    return [pinned(tool) for tool in ("pip", "setuptools", "wheel")]


def write_environment(directory: str | os.PathLike[str], requirements: Iterable[str],
                      extra_requirements: Iterable[str] = ()) -> dict[str, str]:
    """Write the three files; returns the pyfunc flavor's `env` entry naming them."""
    root = Path(directory)
    lines = list(dict.fromkeys([*requirements, *extra_requirements]))
    (root / REQUIREMENTS_FILE).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    python = platform.python_version()
    python_env = {"python": python, "build_dependencies": _build_tools(), "dependencies": [f"-r {REQUIREMENTS_FILE}"]}
    (root / PYTHON_ENV_FILE).write_text(yaml.safe_dump(python_env, sort_keys=False), encoding="utf-8")
    conda = {"name": "mlflow-env", "channels": ["conda-forge"],
             "dependencies": [f"python={python}", pinned("pip"), {"pip": lines}]}
    (root / CONDA_FILE).write_text(yaml.safe_dump(conda, sort_keys=False), encoding="utf-8")
    return {"conda": CONDA_FILE, "virtualenv": PYTHON_ENV_FILE}


def read_requirements(directory: str | os.PathLike[str]) -> list[str]:
    """The lines of `requirements.txt` (without comments), or [] when there is none."""
    path = Path(directory) / REQUIREMENTS_FILE
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")]

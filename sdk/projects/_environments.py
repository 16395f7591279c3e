"""The environment a project's command runs in: the caller's own, a cached virtualenv/uv one, conda or Docker.

Python environments are created once and reused: each lives under the cache directory
(MLLEDGER_ENV_ROOT, default ~/.mlledger/envs) in a folder named by a hash of its specification
(manager, exact Python version, build dependencies, dependencies and any requirements files they
name). A marker file is written last, so a half-created environment is never reused; a file lock
keeps two runs from creating the same environment at once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mlledger.projects._errors import EnvironmentUnavailable, ExecutionError, ProjectSpecError
from mlledger.projects._spec import Project
from mlledger.projects._yaml import LineMap, load_yaml

ENV_ROOT_ENV = "MLLEDGER_ENV_ROOT"
MANAGERS = ("local", "virtualenv", "uv", "conda")
_MARKER = ".mlledger-env.json"

Say = Callable[[str], None]


@dataclass
class Environment:
    """How to run a command in an environment: argv before `bash -c …`, and variables to set."""

    kind: str
    prefix: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    created: bool = False


@dataclass(frozen=True)
class PythonSpec:
    """What python_env.yaml asks for."""

    python: str
    build_dependencies: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()


def env_root() -> Path:
    """Where environments are cached."""
    if os.environ.get(ENV_ROOT_ENV):
        return Path(os.environ[ENV_ROOT_ENV])
    home = Path(os.environ.get("MLLEDGER_HOME", Path.home() / ".mlledger"))
    return home / "envs"


def choose_manager(project: Project, requested: str | None) -> str:
    """The manager for this project: the requested one if it fits, else the project's own kind."""
    if requested is not None and requested not in MANAGERS:
        raise ExecutionError(f"unknown env manager {requested!r} (expected one of {', '.join(MANAGERS)})")
    if project.env_type == "docker_env":
        return "docker"
    if requested == "local":
        return "local"
    if project.env_type == "conda_env":
        if requested in ("virtualenv", "uv"):
            raise EnvironmentUnavailable(f"this project's environment is a conda file ({project.env_file}); run it "
                                         "with --env-manager conda, or --env-manager local to use your own")
        return "conda"
    if requested == "conda":
        raise EnvironmentUnavailable("this project has no conda_env; use --env-manager virtualenv, uv or local")
    if requested in ("virtualenv", "uv"):
        return requested
    if project.env_type == "python_env":
        return "uv" if uv_executable() else "virtualenv"
    return "local"


def prepare(project: Project, manager: str, say: Say) -> Environment:
    """Make the environment ready (creating it when it is not cached) and say how to run in it."""
    if manager == "local":  # the environment mlledger itself runs in: its interpreter comes first on PATH
        bin_dir = str(Path(sys.executable).parent)
        return Environment("local", variables={"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})
    if manager == "conda":
        return _conda(project, say)
    if manager == "docker":
        raise ExecutionError("docker environments are prepared by the docker module")
    spec = read_python_env(project.env_file) if project.env_file else PythonSpec(_version(sys.executable))
    return python_environment(spec, manager, project.directory, say)


def read_python_env(path: Path) -> PythonSpec:
    """Parse python_env.yaml (python, build_dependencies, dependencies), naming the line of a problem."""
    data = load_yaml(path, path.name)
    if not isinstance(data, LineMap):
        raise ProjectSpecError(path.name, 1, "must be a mapping with python, build_dependencies and dependencies")
    python = data.get("python")
    if python is None or isinstance(python, (list, dict)):
        raise ProjectSpecError(path.name, data.line_of("python"), "`python` must give a version such as \"3.11\"")
    lists = {}
    for key in ("build_dependencies", "dependencies"):
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ProjectSpecError(path.name, data.line_of(key), f"`{key}` must be a list of requirement strings")
        lists[key] = tuple(value)
    unknown = sorted(set(data) - {"python", "build_dependencies", "dependencies"})
    if unknown:
        raise ProjectSpecError(path.name, data.line_of(unknown[0]), f"unknown field {unknown[0]!r}")
    return PythonSpec(str(python), lists["build_dependencies"], lists["dependencies"])


def python_environment(spec: PythonSpec, manager: str, project_dir: Path, say: Say) -> Environment:
    """A virtualenv (or uv) environment for `spec`, created once under env_root() and reused by its hash."""
    base = _interpreter(spec.python, manager)
    key = _spec_hash(spec, manager, base, project_dir)
    root = env_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{manager}-{key[:20]}"
    created = False
    with open(root / f"{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a concurrent run creating the same environment finishes first
        if not (path / _MARKER).is_file():
            say(f"creating the {manager} environment {path} (Python {base[1]}; reused next time)")
            shutil.rmtree(path, ignore_errors=True)
            _create(spec, manager, base[0], path, project_dir)
            (path / _MARKER).write_text(json.dumps({"manager": manager, "python": base[1], "spec": vars(spec)},
                                                   default=list))
            created = True
    bin_dir = path / "bin"
    variables = {"VIRTUAL_ENV": str(path), "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    return Environment(manager, [], variables, path, created)


def _create(spec: PythonSpec, manager: str, base: str, path: Path, project_dir: Path) -> None:
    python = str(path / "bin" / "python")
    if manager == "uv":
        uv = uv_executable()
        if uv is None:
            raise EnvironmentUnavailable("--env-manager uv needs uv (pip install uv); it was not found")
        _step([uv, "venv", "--quiet", "--python", base, str(path)], project_dir)
        install = [uv, "pip", "install", "--quiet", "--python", python]
    else:
        needs_pip = bool(spec.build_dependencies or spec.dependencies)
        _step([base, "-m", "venv", *([] if needs_pip else ["--without-pip"]), str(path)], project_dir)
        install = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    for group in (spec.build_dependencies, spec.dependencies):
        if group:
            _step([*install, *group], project_dir)


def _step(argv: list[str], cwd: Path) -> None:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise ExecutionError(f"creating the environment failed: {' '.join(argv[:4])} … exited with "
                             f"{result.returncode}:\n{tail}")


def _interpreter(wanted: str, manager: str) -> tuple[str, str]:
    """(executable, full version) of an installed Python matching `wanted` ("3.11" or "3.11.7")."""
    candidates = [sys.executable, *(shutil.which(name) for name in _names(wanted))]
    for candidate in candidates:
        if candidate:
            version = _version(candidate)
            if version and _matches(version, wanted):
                return candidate, version
    raise EnvironmentUnavailable(f"python_env.yaml asks for Python {wanted}, which is not installed here (this is "
                                 f"Python {_version(sys.executable)}; looked for {', '.join(_names(wanted))} on PATH)")


def _names(wanted: str) -> list[str]:
    parts = wanted.split(".")
    return [f"python{'.'.join(parts[:2])}", f"python{parts[0]}"] if len(parts) >= 2 else [f"python{wanted}"]


def _matches(version: str, wanted: str) -> bool:
    return version.split(".")[:len(wanted.split("."))] == wanted.split(".")


def _version(executable: str) -> str:
    if executable == sys.executable:
        return ".".join(map(str, sys.version_info[:3]))
    try:
        out = subprocess.run([executable, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
                             capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def _spec_hash(spec: PythonSpec, manager: str, base: tuple[str, str], project_dir: Path) -> str:
    """A digest of everything that decides the environment's content, including named requirements files."""
    files = {}
    for item in (*spec.build_dependencies, *spec.dependencies):
        if item.startswith(("-r", "-c")):
            name = item[2:].strip()
            target = project_dir / name
            files[name] = hashlib.sha256(target.read_bytes()).hexdigest() if target.is_file() else "missing"
    document = {"manager": manager, "python": base[1], "platform": sys.platform, "build": list(spec.build_dependencies),
                "dependencies": list(spec.dependencies), "files": files}
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def uv_executable() -> str | None:
    """The uv program, from PATH or from the `uv` Python package."""
    found = shutil.which("uv")
    if found:
        return found
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        return None


def _conda(project: Project, say: Say) -> Environment:
    conda = os.environ.get("MLLEDGER_CONDA_EXE") or shutil.which("conda")
    if not conda:
        file = project.env_file.name if project.env_file else "conda.yaml"
        raise EnvironmentUnavailable(f"this project's environment is a conda file ({file}), "
                                     "but conda is not installed here (no `conda` on PATH, MLLEDGER_CONDA_EXE unset); "
                                     "install conda, or run with --env-manager local to use your own environment")
    assert project.env_file is not None
    key = hashlib.sha256(project.env_file.read_bytes()).hexdigest()[:20]
    root = env_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"conda-{key}"
    created = False
    with open(root / f"{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (path / _MARKER).is_file():
            say(f"creating the conda environment {path} (reused next time)")
            shutil.rmtree(path, ignore_errors=True)
            _step([conda, "env", "create", "--quiet", "--prefix", str(path), "--file", str(project.env_file)],
                  project.directory)
            (path / _MARKER).write_text(json.dumps({"manager": "conda", "file": str(project.env_file)}))
            created = True
    return Environment("conda", [conda, "run", "--no-capture-output", "--prefix", str(path)], {}, path, created)

"""The MLproject format: a project's name, its entry points with typed parameters, and its environment.

    name: tutorial
    python_env: python_env.yaml          # or conda_env: conda.yaml, or docker_env: {image: ...}, or none
    entry_points:
      main:
        parameters:
          alpha: {type: float, default: 0.5}
          data: path                     # shorthand: a type and no default (required)
        command: "python train.py --alpha {alpha} --data {data}"

Without an MLproject file, every `.py` and `.sh` file of the project is an entry point.
"""

from __future__ import annotations

import os
import shlex
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlledger import errors
from mlledger.projects._errors import ParameterError, ProjectSpecError
from mlledger.projects._yaml import LineMap, load_yaml

MLPROJECT_FILE = "MLproject"
PARAMETER_TYPES = ("float", "int", "string", "path", "uri")
ENVIRONMENT_KEYS = ("python_env", "conda_env", "docker_env")
DEFAULT_PYTHON_ENV_FILE = "python_env.yaml"
DEFAULT_CONDA_FILE = "conda.yaml"


@dataclass(frozen=True)
class Parameter:
    """A declared parameter: its type and default (None: the caller must give a value)."""

    name: str
    type: str = "string"
    default: str | None = None


@dataclass(frozen=True)
class EntryPoint:
    """A named command with `{param}` placeholders and the parameters it declares."""

    name: str
    command: str
    parameters: dict[str, Parameter] = field(default_factory=dict)
    #: Convention entry points (a .py or .sh file) take every parameter as `--key value`.
    by_convention: bool = False


@dataclass(frozen=True)
class Project:
    """A loaded project: where it is, what it is called, its entry points and its environment."""

    directory: Path
    name: str
    entry_points: dict[str, EntryPoint]
    #: "python_env", "conda_env", "docker_env" or "" (the caller's own environment).
    env_type: str = ""
    #: The python_env.yaml or conda.yaml file, when the environment is one of those.
    env_file: Path | None = None
    docker_env: dict[str, Any] | None = None

    def entry_point(self, name: str) -> EntryPoint:
        """The entry point called `name`, or a .py/.sh file of the project run by convention."""
        if name in self.entry_points:
            return self.entry_points[name]
        suffix = os.path.splitext(name)[1]
        runner = {".py": "python", ".sh": os.environ.get("SHELL", "bash") or "bash"}.get(suffix)
        if runner and (self.directory / name).is_file():
            return EntryPoint(name, f"{runner} {shlex.quote(name)}", by_convention=True)
        known = ", ".join(sorted(self.entry_points)) or "none"
        raise errors.InvalidArgument("entry_point", f"the project has no entry point {name!r} (entry points: "
                                                    f"{known}; a .py or .sh file of the project runs by its name)")


def load_project(directory: str | os.PathLike[str]) -> Project:
    """Read and validate the project in `directory` (its MLproject file, or the conventions without one)."""
    root = Path(directory).resolve()
    if not root.is_dir():
        raise ProjectSpecError(str(root), None, "is not a directory")
    spec_path = next((p for p in root.iterdir() if p.name.lower() == "mlproject" and p.is_file()), None)
    if spec_path is None:
        return _default_environment(root, Project(root, root.name, {}))
    data = load_yaml(spec_path, spec_path.name)
    if data is None:
        data = LineMap()
    if not isinstance(data, LineMap):
        raise ProjectSpecError(spec_path.name, 1, "the file must be a mapping with `name` and `entry_points`")
    return _parse(root, spec_path.name, data)


def _parse(root: Path, file: str, data: LineMap) -> Project:
    name = data.get("name", root.name)
    if not isinstance(name, str) or not name:
        raise ProjectSpecError(file, data.line_of("name"), "`name` must be a non-empty string")
    raw_entry_points = data.get("entry_points", LineMap())
    if not isinstance(raw_entry_points, LineMap):
        raise ProjectSpecError(file, data.line_of("entry_points"), "`entry_points` must be a mapping of names to "
                                                                    "entry points")
    entry_points = {str(key): _entry_point(file, raw_entry_points, str(key)) for key in raw_entry_points}
    env_keys = sorted((key for key in ENVIRONMENT_KEYS if key in data), key=data.line_of)
    if len(env_keys) > 1:
        raise ProjectSpecError(file, data.line_of(env_keys[1]),
                               f"a project has one environment, but this one names {' and '.join(env_keys)}")
    project = Project(root, name, entry_points)
    if not env_keys:
        return _default_environment(root, project)
    key = env_keys[0]
    value = data[key]
    if key == "docker_env":
        return _docker(file, data, project)
    if not isinstance(value, str) or not value:
        example = DEFAULT_PYTHON_ENV_FILE if key == "python_env" else DEFAULT_CONDA_FILE
        raise ProjectSpecError(file, data.line_of(key), f"`{key}` must name a file of the project, e.g. {example}")
    env_file = (root / value).resolve()
    if not env_file.is_file():
        raise ProjectSpecError(file, data.line_of(key), f"`{key}` names {value!r}, which is not a file of the project")
    return Project(root, name, entry_points, key, env_file)


def _default_environment(root: Path, project: Project) -> Project:
    """MLflow's convention: a python_env.yaml or conda.yaml at the root is the environment."""
    for key, file in (("python_env", DEFAULT_PYTHON_ENV_FILE), ("conda_env", DEFAULT_CONDA_FILE)):
        if (root / file).is_file():
            return Project(root, project.name, project.entry_points, key, root / file)
    return project


def _docker(file: str, data: LineMap, project: Project) -> Project:
    docker = data["docker_env"]
    line = data.line_of("docker_env")
    if not isinstance(docker, LineMap) or not isinstance(docker.get("image"), str) or not docker.get("image"):
        raise ProjectSpecError(file, line, "`docker_env` must be a mapping with an `image`")
    volumes = docker.get("volumes", [])
    if not isinstance(volumes, list) or not all(isinstance(item, str) for item in volumes):
        raise ProjectSpecError(file, docker.line_of("volumes"), "docker_env `volumes` must be a list of strings "
                                                                "such as \"/data:/data\"")
    environment = docker.get("environment", [])
    if not isinstance(environment, list) or not all(
            isinstance(item, str) or (isinstance(item, list) and len(item) == 2) for item in environment):
        raise ProjectSpecError(file, docker.line_of("environment"), "docker_env `environment` must list variable "
                                                                    "names to copy or [NAME, value] pairs")
    return Project(project.directory, project.name, project.entry_points, "docker_env", None, dict(docker))


def _entry_point(file: str, entry_points: LineMap, name: str) -> EntryPoint:
    raw = entry_points[name]
    line = entry_points.line_of(name)
    if isinstance(raw, str):  # `name: command` shorthand
        raw = LineMap(command=raw)
        raw.line, raw.key_lines = line, {"command": line}
    if not isinstance(raw, LineMap):
        raise ProjectSpecError(file, line, f"entry point {name!r} must be a mapping with a `command`")
    command = raw.get("command")
    if not isinstance(command, str) or not command.strip():
        where = raw.line_of("command") if "command" in raw else line
        raise ProjectSpecError(file, where, f"entry point {name!r} needs a `command` (a string)")
    raw_params = raw.get("parameters", LineMap())
    if raw_params is None:
        raw_params = LineMap()
    if not isinstance(raw_params, LineMap):
        raise ProjectSpecError(file, raw.line_of("parameters"), f"parameters of entry point {name!r} must be a "
                                                                "mapping of names to types")
    parameters = {str(key): _parameter(file, raw_params, str(key), name) for key in raw_params}
    _check_placeholders(file, raw.line_of("command"), name, command, parameters)
    return EntryPoint(name, command, parameters)


def _parameter(file: str, params: LineMap, name: str, entry_point: str) -> Parameter:
    raw = params[name]
    line = params.line_of(name)
    if not name.isidentifier():
        raise ProjectSpecError(file, line, f"parameter name {name!r} of entry point {entry_point!r} must be letters, "
                                           "digits and underscores")
    if isinstance(raw, str):
        kind, default = raw, None
    elif isinstance(raw, LineMap):
        kind, default = raw.get("type", "string"), raw.get("default")
        unknown = sorted(set(raw) - {"type", "default"})
        if unknown:
            raise ProjectSpecError(file, raw.line_of(unknown[0]), f"parameter {name!r} has unknown field "
                                                                   f"{unknown[0]!r} (expected type, default)")
        line = raw.line_of("type") if "type" in raw else line
    else:
        raise ProjectSpecError(file, line, f"parameter {name!r} must be a type or a mapping with type and default")
    if kind not in PARAMETER_TYPES:
        raise ProjectSpecError(file, line, f"parameter {name!r} has unknown type {kind!r} "
                                           f"(expected one of {', '.join(PARAMETER_TYPES)})")
    if isinstance(default, (list, dict)):
        raise ProjectSpecError(file, line, f"default of parameter {name!r} must be a single value")
    if default is not None:
        from mlledger.projects._parameters import check_type

        default = str(default).lower() if isinstance(default, bool) else str(default)
        try:
            check_type(Parameter(name, kind), default)
        except ParameterError as exc:
            raise ProjectSpecError(file, params.line_of(name), f"default of {exc.description}") from None
    return Parameter(name, kind, default)


def _check_placeholders(file: str, line: int, entry_point: str, command: str,
                        parameters: dict[str, Parameter]) -> None:
    try:
        fields = [parsed[1] for parsed in string.Formatter().parse(command) if parsed[1] is not None]
    except ValueError as exc:
        raise ProjectSpecError(file, line, f"command of entry point {entry_point!r} has a malformed placeholder "
                                           f"({exc}); write {{{{ and }}}} for literal braces") from None
    for placeholder in fields:
        if placeholder not in parameters:
            declared = ", ".join(parameters) or "none"
            raise ProjectSpecError(file, line, f"command of entry point {entry_point!r} uses {{{placeholder}}}, "
                                               f"which is not one of its parameters ({declared})")

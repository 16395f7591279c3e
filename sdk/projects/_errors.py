"""What a project run can refuse, as part of mlledger's one error tree.

    MlledgerError
     ├── InvalidArgument
     │    ├── ProjectSpecError      the MLproject (or python_env.yaml) is malformed; names file and line
     │    └── ParameterError        a parameter is missing or has the wrong type; .field = "parameters.<name>"
     ├── FailedPrecondition
     │    └── EnvironmentUnavailable  conda / Docker / a Python version / a cluster is not there
     └── ExecutionError          fetching the project or starting its command failed
"""

from __future__ import annotations

from mlledger import errors


class ProjectSpecError(errors.InvalidArgument):
    """A project file is malformed; the message names the file, the line and the problem."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        where = f"{file} line {line}" if line else file
        super().__init__("", f"{where}: {message}")
        self.file = file
        self.line = line


class ParameterError(errors.InvalidArgument):
    """A parameter value is missing or not of its declared type."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"parameters.{name}", message)
        self.name = name


class EnvironmentUnavailable(errors.FailedPrecondition):
    """The environment a project asks for cannot be provided on this machine."""

    def __init__(self, message: str) -> None:
        super().__init__(message, subject="environment")


class ExecutionError(errors.MlledgerError):
    """Fetching a project or starting its command failed."""

    reason = "PROJECT_EXECUTION"

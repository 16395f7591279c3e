"""Parameter checking and the shell command: values are checked against their types, then quoted.

Every value reaches the shell through `shlex.quote`, so a value such as `x; rm -rf ~` arrives
in the program as one argument and is never run.
"""

from __future__ import annotations

import math
import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlledger.projects._errors import ParameterError
from mlledger.projects._spec import EntryPoint, Parameter

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def has_scheme(value: str) -> bool:
    """True for "s3://…", "mlledger-artifacts:/…", "file:///…"; False for plain paths (and "C:\\…")."""
    return bool(_SCHEME.match(value)) and not re.match(r"^[A-Za-z]:[\\/]", value)


def check_type(parameter: Parameter, value: str) -> str:
    """Check `value` against the parameter's type; returns it unchanged (ParameterError otherwise)."""
    kind = parameter.type
    if kind == "float":
        try:
            number = float(value)
        except ValueError:
            raise ParameterError(parameter.name, f"expected a float, got {value!r}") from None
        if math.isnan(number):
            raise ParameterError(parameter.name, f"expected a float, got {value!r}")
    elif kind == "int":
        try:
            int(value)
        except ValueError:
            raise ParameterError(parameter.name, f"expected an int, got {value!r}") from None
    elif kind == "uri":
        if not (has_scheme(value) or os.path.isabs(value)):
            raise ParameterError(parameter.name, f"expected a URI (scheme:… or an absolute path), got {value!r}")
    elif kind == "path" and not value:
        raise ParameterError(parameter.name, "expected a path, got an empty value")
    return value


def resolve(entry_point: EntryPoint, given: Mapping[str, Any] | None,
            cwd: Path | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """The entry point's parameter values (given, else default) and the extra ones, all checked.

    Everything is checked before anything runs: a missing value or a bad type raises ParameterError
    naming the parameter. Local `path` values become absolute (they must exist); a `path` given as
    a URI is downloaded later, when the command is prepared.
    """
    given = {str(key): _text(value) for key, value in (given or {}).items()}
    missing = [name for name, param in entry_point.parameters.items() if name not in given and param.default is None]
    if missing:
        raise ParameterError(missing[0], f"no value given for {', '.join(repr(m) for m in missing)} of entry point "
                                         f"{entry_point.name!r} (and no default)")
    values: dict[str, str] = {}
    for name, param in entry_point.parameters.items():
        value = check_type(param, given[name] if name in given else str(param.default))
        if param.type == "path" and not has_scheme(value):
            local = Path(cwd or Path.cwd(), os.path.expanduser(value))
            if not local.exists():
                raise ParameterError(name, f"no such file or directory: {value!r}")
            value = str(local.resolve())
        values[name] = value
    extra = {key: value for key, value in given.items() if key not in entry_point.parameters}
    return values, extra


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def command(entry_point: EntryPoint, values: Mapping[str, str], extra: Mapping[str, str]) -> str:
    """The shell command: placeholders replaced by quoted values, extra parameters appended as --key value."""
    quoted = {name: shlex.quote(value) for name, value in values.items()}
    text = entry_point.command.format(**quoted)
    for key, value in extra.items():
        text += f" --{shlex.quote(key)} {shlex.quote(value)}"
    return text

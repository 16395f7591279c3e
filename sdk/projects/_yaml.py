"""YAML loading that remembers line numbers, so every complaint about a project file names its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mlledger.projects._errors import ProjectSpecError


class LineMap(dict):  # type: ignore[type-arg]
    """A YAML mapping as a dict, with the 1-based line of the mapping and of each of its keys."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        """The line a key is written on (the mapping's own line when the key is absent)."""
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, building LineMap instead of dict."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise ProjectSpecError(loader.name, key_node.start_mark.line + 1, "a key must be a plain value") from None
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path, label: str | None = None) -> Any:
    """Parse a YAML file; syntax errors become ProjectSpecError naming `label` (the file name) and the line."""
    label = label or path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectSpecError(label, None, f"cannot be read: {exc}") from exc
    loader = _Loader(text)
    loader.name = label
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise ProjectSpecError(label, mark.line + 1 if mark else None, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ProjectSpecError(label, None, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()

"""Checks on request fields: each failure names the field it is about."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mlledger import errors, limits
from mlledger.v1 import registry_pb2 as pb

MAX_NAME = limits.MAX_MODEL_NAME_CHARS
MAX_TAG_KEY = limits.MAX_KEY_CHARS
MAX_TAG_VALUE = limits.MAX_MODEL_TAG_VALUE_CHARS
MAX_DESCRIPTION = 100_000
MAX_SOURCE = 4096
_ALIAS = re.compile(r"^[A-Za-z0-9_\-]{1,255}$")
_VERSION_LIKE = re.compile(r"^v?\d+$", re.IGNORECASE)
_FORBIDDEN_IN_NAME = ("/", ":", "@")


def model_name(name: str, field: str = "name") -> str:
    """A registered model name: 1..256 characters, no "/", ":" or "@", no surrounding spaces."""
    if not name:
        raise errors.InvalidArgument(field, "a registered model name is required")
    if len(name) > MAX_NAME:
        raise errors.InvalidArgument(field, f"at most {MAX_NAME} characters, got {len(name)}")
    if name != name.strip():
        raise errors.InvalidArgument(field, "must not start or end with whitespace")
    bad = [char for char in _FORBIDDEN_IN_NAME if char in name]
    if bad:
        raise errors.InvalidArgument(field, f"must not contain {bad[0]!r} (it is a models:/ URI separator)")
    return name


def version_number(version: int, field: str = "version") -> int:
    if version < 1:
        raise errors.InvalidArgument(field, f"a version number is 1 or more, got {version}")
    return version


def tag(key: str, value: str, field: str = "key") -> None:
    if not key:
        raise errors.InvalidArgument(field, "a tag key is required")
    if len(key) > MAX_TAG_KEY:
        raise errors.InvalidArgument(field, f"tag keys have at most {MAX_TAG_KEY} characters, got {len(key)}")
    if len(value) > MAX_TAG_VALUE:
        raise errors.InvalidArgument("value", f"tag values have at most {MAX_TAG_VALUE} characters, got {len(value)}")


def tags(items: Iterable[pb.ModelTag], field: str = "tags") -> dict[str, str]:
    """The tags as a dict; duplicate keys are refused."""
    result: dict[str, str] = {}
    for index, item in enumerate(items):
        tag(item.key, item.value, f"{field}[{index}].key")
        if item.key in result:
            raise errors.InvalidArgument(f"{field}[{index}].key", f"duplicate tag key {item.key!r}")
        result[item.key] = item.value
    return result


def description(text: str, field: str = "description") -> str:
    if len(text) > MAX_DESCRIPTION:
        raise errors.InvalidArgument(field, f"at most {MAX_DESCRIPTION} characters, got {len(text)}")
    return text


def alias(name: str, field: str = "alias") -> str:
    """An alias: letters, digits, "_" and "-"; not "latest" nor version-like ("3", "v3")."""
    # fullmatch: with match, "$" would also accept a trailing newline.
    if not _ALIAS.fullmatch(name):
        raise errors.InvalidArgument(field, f"aliases are 1..255 letters, digits, '_' or '-', got {limits.quote(name)}")
    if name.lower() == "latest" or _VERSION_LIKE.fullmatch(name):
        raise errors.InvalidArgument(field, f"{name!r} is reserved (it would read as a version)")
    return name


def stage(value: int, field: str = "stage") -> int:
    if value not in (pb.STAGE_NONE, pb.STAGE_STAGING, pb.STAGE_PRODUCTION, pb.STAGE_ARCHIVED):
        raise errors.InvalidArgument(field, "a stage is required: STAGE_NONE, STAGE_STAGING, STAGE_PRODUCTION or "
                                            f"STAGE_ARCHIVED (got {value})")
    return value

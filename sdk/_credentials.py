"""Where the SDK finds its API token: the argument, MLLEDGER_TOKEN, or the credentials file.

The file (`~/.mlledger/credentials`, or MLLEDGER_CREDENTIALS_FILE) is INI with one section per
profile (MLLEDGER_PROFILE, default "default"):

    [default]
    token = mlt_...
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path

TOKEN_ENV = "MLLEDGER_TOKEN"
CREDENTIALS_FILE_ENV = "MLLEDGER_CREDENTIALS_FILE"
PROFILE_ENV = "MLLEDGER_PROFILE"


def credentials_file() -> Path:
    """The credentials file's path."""
    return Path(os.environ.get(CREDENTIALS_FILE_ENV) or Path.home() / ".mlledger" / "credentials")


def _profile(profile: str | None) -> str:
    return profile or os.environ.get(PROFILE_ENV) or "default"


def find_token(explicit: str | None = None, profile: str | None = None) -> str | None:
    """The token to send: `explicit`, else MLLEDGER_TOKEN, else the profile's in the credentials file."""
    if explicit:
        return explicit
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV].strip()
    path = credentials_file()
    if not path.is_file():
        return None
    parser = configparser.ConfigParser()
    parser.read(path, encoding="utf-8")
    return parser.get(_profile(profile), "token", fallback=None) or None


def save_token(token: str, profile: str | None = None) -> Path:
    """Store `token` under the profile in the credentials file (readable only by its owner)."""
    path = credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    parser = configparser.ConfigParser()
    if path.is_file():
        parser.read(path, encoding="utf-8")
    section = _profile(profile)
    if not parser.has_section(section):
        parser.add_section(section)
    parser.set(section, "token", token)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        parser.write(handle)
    path.chmod(0o600)
    return path

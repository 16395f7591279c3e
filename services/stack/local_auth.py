"""`mlledger up --auth`: an administrator token and a service token for this machine's stack.

Both are made once and kept in DATA_DIR/auth.env (readable only by its owner), so the next
`mlledger up --auth` with the same data directory accepts the same administrator token.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

FILE_NAME = "auth.env"
ADMIN_TOKEN = "MLLEDGER_AUTH_ADMIN_TOKEN"
SERVICE_TOKEN = "MLLEDGER_AUTH_SERVICE_TOKEN"


def _new_token() -> str:
    return "mlt_" + secrets.token_urlsafe(32)


def local_auth_env(data_dir: Path) -> dict[str, str]:
    """The environment that turns authentication on for the stack's processes (tokens made on first use)."""
    path = data_dir / FILE_NAME
    values: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep:
                values[key.strip()] = value.strip()
    if not values.get(ADMIN_TOKEN) or not values.get(SERVICE_TOKEN):
        values = {ADMIN_TOKEN: values.get(ADMIN_TOKEN) or _new_token(),
                  SERVICE_TOKEN: values.get(SERVICE_TOKEN) or _new_token()}
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.writelines(f"{key}={value}\n" for key, value in values.items())
    return {"MLLEDGER_AUTH": "1", **values}

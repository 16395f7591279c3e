"""From an artifact location URI to a backend and a key: the configured root and allowed roots.

`mlledger-artifacts:/<key>` lives under the configured root. Absolute `file://` and `s3://`
URIs (experiment overrides) are served only when they fall under the configured root or one of
MLLEDGER_ARTIFACT_ALLOWED_ROOTS (comma-separated directories or s3://bucket/prefix URIs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mlledger import errors
from mlledger.services.artifacts import domain
from mlledger.services.artifacts.backends.base import Backend
from mlledger.services.artifacts.backends.local import LocalBackend
from mlledger.services.artifacts.backends.s3 import S3Backend
from mlledger.services.core.config import Settings, env

ALLOWED_ROOTS_ENV = "ARTIFACT_ALLOWED_ROOTS"


@dataclass(frozen=True)
class Location:
    """A resolved artifact location: its backend, its key there and its canonical URI."""

    backend: Backend
    key: str
    uri: str

    def key_of(self, path: str) -> str:
        """The backend key of `path` (already checked) inside this location."""
        return domain.join(self.key, path)


@dataclass(frozen=True)
class _Root:
    backend: Backend
    scheme: str
    bucket: str
    key: str
    managed: bool


def _root(uri: str, settings: Settings, managed: bool) -> _Root:
    if uri.startswith("s3://"):
        backend: Backend = S3Backend(uri, endpoint=settings.s3_endpoint, access_key=settings.s3_access_key,
                                     secret_key=settings.s3_secret_key, region=settings.s3_region,
                                     secure=settings.s3_secure)
        parsed = domain.parse_uri("artifact_root", backend.uri)
    else:
        # Only the configured root is the service's alone: files in other allowed roots may be
        # changed in place by whoever else writes there, so copies from them are real copies.
        backend = LocalBackend(uri.removeprefix("file://"), link_copies=managed)
        parsed = domain.parse_uri("artifact_root", backend.uri)
    return _Root(backend, parsed.scheme, parsed.bucket, parsed.key, managed)


class Roots:
    """Every root the service may touch; resolves URIs against them."""

    def __init__(self, settings: Settings) -> None:
        root = settings.artifact_root or str(Path("~/.mlledger/artifacts").expanduser())
        extra = [item.strip() for item in env(ALLOWED_ROOTS_ENV).split(",") if item.strip()]
        self._roots = [_root(root, settings, True), *(_root(item, settings, False) for item in extra)]

    @property
    def managed(self) -> Backend:
        return self._roots[0].backend

    def resolve(self, field: str, uri: str) -> Location:
        """The location of `uri`; InvalidArgument or PermissionDenied naming `field` otherwise."""
        parsed = domain.parse_uri(field, uri)
        if parsed.scheme == "managed":
            return Location(self.managed, parsed.key, self._canonical(self._roots[0], parsed.key))
        for root in self._roots:
            if root.scheme == parsed.scheme and root.bucket == parsed.bucket and domain.is_under(parsed.key, root.key):
                key = domain.relative(parsed.key, root.key)
                return Location(root.backend, key, self._canonical(root, key))
        raise errors.PermissionDenied(
            f"{field}: {uri!r} is outside the allowed artifact roots (the configured root and "
            f"MLLEDGER_{ALLOWED_ROOTS_ENV})"
        )

    @staticmethod
    def _canonical(root: _Root, key: str) -> str:
        if root.managed:
            return f"{domain.MANAGED_SCHEME}/{key}"
        return f"{root.backend.uri}/{key}".rstrip("/")

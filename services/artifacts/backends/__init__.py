"""Where artifact bytes live: one small interface, a local-disk and an S3 implementation."""

from mlledger.services.artifacts.backends.base import Backend, Writer

__all__ = ["Backend", "Writer"]

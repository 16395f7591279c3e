"""The registry's event types, their payload messages and the streams they are appended to.

A registered model's events go to "registered_model/<model_id>", a version's to
"model_version/<model_id>/<version>": streams are keyed by the immutable model id, so a rename
never splits a model's history. Event types become NATS subjects `mlledger.registry.<type>`.
"""

from __future__ import annotations

from typing import Final

from google.protobuf.message import Message

from mlledger.v1 import registry_pb2 as pb

MODEL_CREATED: Final = "registered_model.created"
MODEL_RENAMED: Final = "registered_model.renamed"
MODEL_UPDATED: Final = "registered_model.updated"
MODEL_DELETED: Final = "registered_model.deleted"
MODEL_TAG_SET: Final = "registered_model.tag_set"
MODEL_TAG_DELETED: Final = "registered_model.tag_deleted"
VERSION_CREATED: Final = "model_version.created"
VERSION_READY: Final = "model_version.ready"
VERSION_REGISTRATION_FAILED: Final = "model_version.registration_failed"
VERSION_STAGE_TRANSITIONED: Final = "model_version.stage_transitioned"
VERSION_UPDATED: Final = "model_version.updated"
VERSION_DELETED: Final = "model_version.deleted"
VERSION_TAG_SET: Final = "model_version.tag_set"
VERSION_TAG_DELETED: Final = "model_version.tag_deleted"
ALIAS_SET: Final = "alias.set"
ALIAS_DELETED: Final = "alias.deleted"

#: Every event type and its payload message.
PAYLOADS: Final[dict[str, type[Message]]] = {
    MODEL_CREATED: pb.RegisteredModelCreated,
    MODEL_RENAMED: pb.RegisteredModelRenamed,
    MODEL_UPDATED: pb.RegisteredModelUpdated,
    MODEL_DELETED: pb.RegisteredModelDeleted,
    MODEL_TAG_SET: pb.RegisteredModelTagSet,
    MODEL_TAG_DELETED: pb.RegisteredModelTagDeleted,
    VERSION_CREATED: pb.ModelVersionCreated,
    VERSION_READY: pb.ModelVersionReady,
    VERSION_REGISTRATION_FAILED: pb.ModelVersionRegistrationFailed,
    VERSION_STAGE_TRANSITIONED: pb.ModelVersionStageTransitioned,
    VERSION_UPDATED: pb.ModelVersionUpdated,
    VERSION_DELETED: pb.ModelVersionDeleted,
    VERSION_TAG_SET: pb.ModelVersionTagSet,
    VERSION_TAG_DELETED: pb.ModelVersionTagDeleted,
    ALIAS_SET: pb.AliasSet,
    ALIAS_DELETED: pb.AliasDeleted,
}


def model_stream(model_id: str) -> str:
    """The stream of a registered model's own events (including its aliases)."""
    return f"registered_model/{model_id}"


def version_stream(model_id: str, version: int) -> str:
    """The stream of one model version's events."""
    return f"model_version/{model_id}/{version}"


def version_stream_prefix(model_id: str) -> str:
    """The prefix shared by the streams of every version of a model."""
    return f"model_version/{model_id}/"

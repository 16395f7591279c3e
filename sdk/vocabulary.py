"""The one home of the names both sides of the wire share: model version stages and run statuses.

Each maps MLflow's name to the protobuf value that carries it; the SDK, the services, the
gateway and the consumers all read them from here.
"""

from __future__ import annotations

from mlledger.v1 import registry_pb2, tracking_pb2

#: MLflow's stage names and their protobuf values, in the order a version usually moves.
STAGES: dict[str, registry_pb2.ModelStage] = {
    "None": registry_pb2.STAGE_NONE,
    "Staging": registry_pb2.STAGE_STAGING,
    "Production": registry_pb2.STAGE_PRODUCTION,
    "Archived": registry_pb2.STAGE_ARCHIVED,
}
#: The stage name of each protobuf value.
STAGE_NAMES: dict[int, str] = {int(number): name for name, number in STAGES.items()}
#: Stages whose current occupants `archive_existing_versions` may archive.
ARCHIVING_STAGES = (registry_pb2.STAGE_STAGING, registry_pb2.STAGE_PRODUCTION)

#: MLflow's run statuses and their protobuf values.
RUN_STATUSES: dict[str, tracking_pb2.RunStatus] = {
    "RUNNING": tracking_pb2.RUNNING,
    "SCHEDULED": tracking_pb2.SCHEDULED,
    "FINISHED": tracking_pb2.FINISHED,
    "FAILED": tracking_pb2.FAILED,
    "KILLED": tracking_pb2.KILLED,
}
#: The run status name of each protobuf value.
RUN_STATUS_NAMES: dict[int, str] = {int(number): name for name, number in RUN_STATUSES.items()}


def stage_by_name(name: str) -> registry_pb2.ModelStage | None:
    """The protobuf value of a stage name in any case ("production", "Production"), else None."""
    wanted = str(name).lower()
    return next((number for stage, number in STAGES.items() if stage.lower() == wanted), None)


def stage_name(number: int) -> str:
    """The stage name of a protobuf value ("None" for an unset one)."""
    return STAGE_NAMES.get(number, "None")


__all__ = ["ARCHIVING_STAGES", "RUN_STATUSES", "RUN_STATUS_NAMES", "STAGES", "STAGE_NAMES", "stage_by_name",
           "stage_name"]

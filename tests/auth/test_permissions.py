"""Roles on experiments and models: READ, EDIT, MANAGE, protected stages and aliases, denials as events."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

import mlledger
from mlledger import errors
from mlledger.testing import TestStack


@pytest.fixture
def experiment(admin: mlledger.Client) -> tuple[str, str]:
    """An experiment the administrator created, with one run: (experiment id, run id)."""
    experiment_id = admin.create_experiment(f"perm-{uuid.uuid4().hex[:8]}")
    return experiment_id, admin.create_run(experiment_id).info.run_id


@pytest.fixture
def model(admin: mlledger.Client) -> tuple[str, str]:
    """A registered model with one READY version made from a run's files: (name, run id)."""
    name = f"model-{uuid.uuid4().hex[:8]}"
    experiment_id = admin.create_experiment(f"for-{name}")
    run_id = admin.create_run(experiment_id).info.run_id
    location = admin.get_artifact_uri(run_id)
    admin.upload_artifact_bytes(location, "model/MLmodel", b"flavors: {}\n")
    admin.create_registered_model(name)
    admin.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)
    return name, run_id


def test_a_reader_cannot_log_to_a_run(experiment: tuple[str, str], user: Callable[[str], mlledger.Client]) -> None:
    """With the default role READ, a principal reads a run but logging to it is PERMISSION_DENIED naming EDIT."""
    experiment_id, run_id = experiment
    reader = user("reader")
    assert reader.get_run(run_id).info.run_id == run_id
    with pytest.raises(errors.PermissionDenied) as caught:
        reader.log_param(run_id, "lr", "0.1")
    assert f"EDIT on experiment {experiment_id!r} is needed" in str(caught.value)
    assert f"{reader.name} has READ" in str(caught.value)  # type: ignore[attr-defined]


def test_an_editor_logs_to_runs_and_a_creator_manages(admin: mlledger.Client, experiment: tuple[str, str],
                                                        user: Callable[[str], mlledger.Client]) -> None:
    """EDIT lets a principal log; the creator of an experiment gets MANAGE on it and may grant roles."""
    experiment_id, run_id = experiment
    editor, creator = user("editor"), user("creator")
    admin.grant_permission("experiment", experiment_id, editor.name, "EDIT")  # type: ignore[attr-defined]
    editor.log_metric(run_id, "loss", 0.5)
    with pytest.raises(errors.PermissionDenied, match="MANAGE on experiment"):
        editor.delete_experiment(experiment_id)
    own = creator.create_experiment(f"own-{uuid.uuid4().hex[:6]}")
    held = {(p.principal, p.role) for p in admin.list_permissions("experiment", own)}
    assert (creator.name, "MANAGE") in held  # type: ignore[attr-defined]
    creator.grant_permission("experiment", own, editor.name, "EDIT")  # type: ignore[attr-defined]
    editor.create_run(own)
    with pytest.raises(errors.PermissionDenied):
        editor.grant_permission("experiment", own, editor.name, "MANAGE")  # type: ignore[attr-defined]


def test_an_editor_cannot_promote_to_production(model: tuple[str, str], admin: mlledger.Client,
                                                user: Callable[[str], mlledger.Client], events_of) -> None:
    """EDIT on a model moves a version to Staging but not to Production; the refusal is an access.denied event."""
    name, _ = model
    editor = user("editor")
    admin.grant_permission("model", name, editor.name, "EDIT")  # type: ignore[attr-defined]
    editor.transition_model_version_stage(name, 1, "Staging")
    with pytest.raises(errors.PermissionDenied) as caught:
        editor.transition_model_version_stage(name, 1, "Production")
    message = str(caught.value)
    assert f"MANAGE on registered model {name!r} is needed to move a version to Production" in message
    denials = events_of("auth", "access.denied", f"access/{editor.name}")  # type: ignore[attr-defined]
    assert denials == [("access.denied", f"access/{editor.name}", editor.name)]  # type: ignore[attr-defined]
    assert admin.get_model_version(name, 1).current_stage == "Staging"


def test_a_manager_promotes_and_the_event_names_them(model: tuple[str, str], admin: mlledger.Client,
                                                      user: Callable[[str], mlledger.Client], events_of) -> None:
    """MANAGE on a model moves a version to Production; the stage_transitioned event's actor is that principal."""
    name, _ = model
    manager = user("manager")
    admin.grant_permission("model", name, manager.name, "MANAGE")  # type: ignore[attr-defined]
    manager.transition_model_version_stage(name, 1, "Production")
    assert admin.get_model_version(name, 1).current_stage == "Production"
    transitions = [actor for kind, _, actor in events_of("registry", "model_version.stage_transitioned")
                   if actor == manager.name]  # type: ignore[attr-defined]
    assert transitions == [manager.name]  # type: ignore[attr-defined]


def test_protected_aliases_need_manage(model: tuple[str, str], admin: mlledger.Client,
                                       user: Callable[[str], mlledger.Client]) -> None:
    """EDIT sets an ordinary alias; "champion" (watched by deployers) needs MANAGE, to set and to delete."""
    name, _ = model
    editor = user("editor")
    admin.grant_permission("model", name, editor.name, "EDIT")  # type: ignore[attr-defined]
    editor.set_registered_model_alias(name, "candidate", 1)
    with pytest.raises(errors.PermissionDenied, match="protected alias 'champion'"):
        editor.set_registered_model_alias(name, "champion", 1)
    admin.set_registered_model_alias(name, "champion", 1)
    with pytest.raises(errors.PermissionDenied, match="MANAGE"):
        editor.delete_registered_model_alias(name, "champion")


def test_a_service_call_carries_the_original_caller(model: tuple[str, str], admin: mlledger.Client,
                                                    user: Callable[[str], mlledger.Client], events_of) -> None:
    """The registry snapshots a new version's files through the artifact service as the caller, not as itself."""
    name, run_id = model
    editor = user("editor")
    admin.grant_permission("model", name, editor.name, "EDIT")  # type: ignore[attr-defined]
    version = editor.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)
    assert version.version == 2 and version.status == "READY"
    # The artifact service recorded the snapshot as the editor (a unique name), not as the registry's credential.
    snapshots = [actor for _, _, actor in events_of("artifacts", "artifact.snapshotted")]
    assert editor.name in snapshots  # type: ignore[attr-defined]
    assert "service" not in snapshots


def test_only_services_snapshot_artifacts(auth_stack: TestStack, user: Callable[[str], mlledger.Client]) -> None:
    """A user calling SnapshotArtifacts itself (to write into a model's files) is PERMISSION_DENIED."""
    import grpc

    from mlledger.v1 import artifacts_pb2, artifacts_pb2_grpc

    editor = user("editor")
    stub = artifacts_pb2_grpc.ArtifactServiceStub(grpc.insecure_channel(auth_stack.endpoints["artifacts"]))
    request = artifacts_pb2.SnapshotArtifactsRequest(source_uri="mlledger-artifacts:/scratch/x", source_path="",
                                                     destination_uri="mlledger-artifacts:/models/m/versions/9")
    with pytest.raises(grpc.RpcError) as caught:
        stub.SnapshotArtifacts(request, metadata=[("authorization", f"Bearer {editor._transport.token}")], timeout=10)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "administrator" in caught.value.details()


def test_denials_are_published_on_nats(auth_stack: TestStack, experiment: tuple[str, str],
                                       user: Callable[[str], mlledger.Client]) -> None:
    """An access.denied event reaches subscribers (the auditor) on mlledger.auth.access.denied."""
    import asyncio

    import nats

    _, run_id = experiment
    reader = user("reader")
    with pytest.raises(errors.PermissionDenied):
        reader.set_tag(run_id, "k", "v")

    async def find() -> list[str]:
        nc = await nats.connect(auth_stack.nats_url)
        try:
            js = nc.jetstream()
            subject = auth_stack.subject("auth", "access.denied")
            sub = await js.subscribe(subject, ordered_consumer=True, deliver_policy=nats.js.api.DeliverPolicy.ALL)
            seen: list[str] = []
            deadline = asyncio.get_running_loop().time() + 15
            while asyncio.get_running_loop().time() < deadline:
                try:
                    msg = await sub.next_msg(timeout=1)
                except nats.errors.TimeoutError:
                    if reader.name in " ".join(seen):  # type: ignore[attr-defined]
                        break
                    continue
                seen.append(msg.headers.get("Mlledger-Stream", "") if msg.headers else "")
            return seen
        finally:
            await nc.close()

    assert f"access/{reader.name}" in asyncio.run(find())  # type: ignore[attr-defined]


def test_a_renamed_model_keeps_its_roles(admin: mlledger.Client, user: Callable[[str], mlledger.Client]) -> None:
    """Roles are held by model name; renaming a model moves them to the new name."""
    owner = user("owner")
    name = f"model-{uuid.uuid4().hex[:8]}"
    owner.create_registered_model(name)
    owner.rename_registered_model(name, name + "-renamed")
    held = {(p.resource, p.principal, p.role) for p in admin.list_permissions(principal=owner.name)}  # type: ignore[attr-defined]
    assert held == {(name + "-renamed", owner.name, "MANAGE")}  # type: ignore[attr-defined]
    owner.delete_registered_model(name + "-renamed")  # MANAGE under the new name


def test_artifacts_follow_the_experiment_roles(admin: mlledger.Client, experiment: tuple[str, str],
                                               user: Callable[[str], mlledger.Client]) -> None:
    """A reader lists and downloads a run's artifacts but cannot upload or delete them; an editor can."""
    experiment_id, run_id = experiment
    location = admin.get_artifact_uri(run_id)
    admin.upload_artifact_bytes(location, "notes.txt", b"hello")
    reader, editor = user("reader"), user("editor")
    assert [f.path for f in reader.list_artifacts(run_id)] == ["notes.txt"]
    with pytest.raises(errors.PermissionDenied, match=f"EDIT on experiment {experiment_id!r}"):
        reader.upload_artifact_bytes(location, "evil.txt", b"x")
    with pytest.raises(errors.PermissionDenied):
        reader.delete_artifacts(run_id, "notes.txt")
    admin.grant_permission("experiment", experiment_id, editor.name, "EDIT")  # type: ignore[attr-defined]
    editor.upload_artifact_bytes(location, "more.txt", b"y")
    assert sorted(f.path for f in reader.list_artifacts(run_id)) == ["more.txt", "notes.txt"]


def test_only_an_administrator_purges(admin: mlledger.Client, experiment: tuple[str, str],
                                      user: Callable[[str], mlledger.Client]) -> None:
    """Even MANAGE on the experiment does not let a principal purge its run; an administrator can."""
    experiment_id, run_id = experiment
    manager = user("manager")
    admin.grant_permission("experiment", experiment_id, manager.name, "MANAGE")  # type: ignore[attr-defined]
    with pytest.raises(errors.PermissionDenied, match="an administrator is needed"):
        manager.purge_run(run_id)
    assert manager.get_run(run_id).info.run_id == run_id  # nothing was removed
    admin.purge_run(run_id)
    with pytest.raises(errors.NotFound):
        admin.get_run(run_id)

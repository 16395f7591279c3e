"""MLflow's registered-model and model-version endpoints on the registry service."""

from __future__ import annotations

import re
from typing import Any

from mlledger.services.gateway import artifacts, logged_models, wire
from mlledger.services.gateway.backend import Caller
from mlledger.services.gateway.errors import invalid
from mlledger.services.gateway.params import Params
from mlledger.services.gateway.routes import Handler
from mlledger.v1 import registry_pb2 as pb


def _tags(params: Params) -> list[pb.ModelTag]:
    return [pb.ModelTag(key=str(item.get("key", "")), value=str(item.get("value", "")))
            for item in params.items("tags")]


def _version(params: Params, field: str = "version") -> int:
    text = params.string(field, required=True)
    try:
        return int(text)
    except ValueError:
        raise invalid(f"Parameter '{field}' must be an integer, got '{text}'.") from None


def _max_results(params: Params, default: int) -> int:
    # MLflow's client asks for up to 10,000 versions per page; the registry pages by at most 1000
    # and the client follows next_page_token.
    value = params.integer("max_results", default=default)
    if value < 1:
        raise invalid(f"Invalid value for max_results. It must be a positive integer, but got {value}")
    return min(value, 1000)


# MLflow's client adds this condition to every search to tell prompts from models; the registry
# has no prompts, so the gateway applies it to the results itself.
_PROMPT = re.compile(r"^\s*tags?\.`mlflow\.prompt\.is_prompt`\s*(=|!=)\s*'(true|false)'\s*$", re.IGNORECASE)
PROMPT_TAG = "mlflow.prompt.is_prompt"


def _without_prompt_condition(text: str) -> tuple[str, bool | None]:
    """The filter without MLflow's prompt condition, and whether prompts are wanted (None: no condition)."""
    parts = re.split(r"(\s+AND\s+)", text, flags=re.IGNORECASE)
    for index in range(0, len(parts), 2):
        found = _PROMPT.match(parts[index])
        if found is not None:
            kept = parts[:index - 1] + parts[index + 1:] if index else parts[index + 2:]
            return "".join(kept).strip(), (found.group(1) == "=") == (found.group(2).lower() == "true")
    return text, None


def _is_prompt(tags: Any) -> bool:
    return any(tag.key == PROMPT_TAG and tag.value.lower() == "true" for tag in tags)


def _page(items: list[dict[str, Any]], name: str, token: str) -> dict[str, Any]:
    result: dict[str, Any] = {name: items}
    if token:
        result["next_page_token"] = token
    return result


async def create_model(params: Params, caller: Caller) -> dict[str, Any]:
    response = await caller.call(caller.services.registry.CreateRegisteredModel, pb.CreateRegisteredModelRequest(
        name=params.string("name", required=True), description=params.string("description"), tags=_tags(params)))
    return {"registered_model": wire.registered_model(response.registered_model)}


async def get_model(params: Params, caller: Caller) -> dict[str, Any]:
    response = await caller.call(caller.services.registry.GetRegisteredModel,
                                 pb.GetRegisteredModelRequest(name=params.string("name", required=True)))
    return {"registered_model": wire.registered_model(response.registered_model)}


async def rename_model(params: Params, caller: Caller) -> dict[str, Any]:
    response = await caller.call(caller.services.registry.RenameRegisteredModel, pb.RenameRegisteredModelRequest(
        name=params.string("name", required=True), new_name=params.string("new_name", required=True)))
    return {"registered_model": wire.registered_model(response.registered_model)}


async def update_model(params: Params, caller: Caller) -> dict[str, Any]:
    response = await caller.call(caller.services.registry.UpdateRegisteredModel, pb.UpdateRegisteredModelRequest(
        name=params.string("name", required=True), description=params.string("description")))
    return {"registered_model": wire.registered_model(response.registered_model)}


async def delete_model(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.registry.DeleteRegisteredModel,
                      pb.DeleteRegisteredModelRequest(name=params.string("name", required=True)))
    return {}


async def search_models(params: Params, caller: Caller) -> dict[str, Any]:
    text, prompts = _without_prompt_condition(params.string("filter"))
    response = await caller.call(caller.services.registry.SearchRegisteredModels, pb.SearchRegisteredModelsRequest(
        filter=text, max_results=_max_results(params, 100), order_by=params.strings("order_by"),
        page_token=params.string("page_token")))
    models = [wire.registered_model(model) for model in response.registered_models
              if prompts is None or _is_prompt(model.tags) == prompts]
    return _page(models, "registered_models", response.next_page_token)


async def latest_versions(params: Params, caller: Caller) -> dict[str, Any]:
    stages = [wire.stage(name, "stages") for name in params.strings("stages")]
    response = await caller.call(caller.services.registry.GetLatestVersions, pb.GetLatestVersionsRequest(
        name=params.string("name", required=True), stages=stages))
    return {"model_versions": [wire.model_version(version) for version in response.model_versions]}


async def set_model_tag(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.registry.SetRegisteredModelTag, pb.SetRegisteredModelTagRequest(
        name=params.string("name", required=True), key=params.string("key", required=True),
        value=params.string("value")))
    return {}


async def delete_model_tag(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.registry.DeleteRegisteredModelTag, pb.DeleteRegisteredModelTagRequest(
        name=params.string("name", required=True), key=params.string("key", required=True)))
    return {}


async def alias(params: Params, caller: Caller) -> dict[str, Any]:
    """POST sets, DELETE removes, GET resolves an alias (MLflow uses one path for all three)."""
    name, alias_name = params.string("name", required=True), params.string("alias", required=True)
    method = params.method
    if method == "POST":
        await caller.call(caller.services.registry.SetRegisteredModelAlias, pb.SetRegisteredModelAliasRequest(
            name=name, alias=alias_name, version=_version(params)))
        return {}
    if method == "DELETE":
        await caller.call(caller.services.registry.DeleteRegisteredModelAlias,
                          pb.DeleteRegisteredModelAliasRequest(name=name, alias=alias_name))
        return {}
    response = await caller.call(caller.services.registry.GetModelVersionByAlias,
                                 pb.GetModelVersionByAliasRequest(name=name, alias=alias_name))
    return {"model_version": wire.model_version(response.model_version)}


async def _source(params: Params, caller: Caller) -> tuple[str, str]:
    """The source and run id to register: a logged model (`models:/<id>`) becomes its files' location."""
    source, run_id = params.string("source", required=True), params.string("run_id")
    model_id = params.string("model_id") or logged_models.model_id_of(source)
    if model_id and (source.startswith("models:/") or not source):
        model = await logged_models.load(caller, model_id)
        return wire.to_managed(model["artifact_uri"]), run_id or model.get("source_run_id", "")
    return _registrable(wire.to_managed(source), run_id)


def _registrable(source: str, run_id: str) -> tuple[str, str]:
    """A path inside a run's managed location as `runs:/<run_id>/<path>`, the form the registry snapshots."""
    if not source.startswith(wire.MANAGED):
        return source, run_id
    location, inner = artifacts.split(source[len(wire.MANAGED):])
    owner = location.rstrip("/").split("/")[-2] if location != wire.MANAGED else ""
    if inner and artifacts.is_run_id(owner) and run_id in ("", owner):
        return f"runs:/{owner}/{inner}", owner
    return source, run_id


async def create_version(params: Params, caller: Caller) -> dict[str, Any]:
    source, run_id = await _source(params, caller)
    response = await caller.call(caller.services.registry.CreateModelVersion, pb.CreateModelVersionRequest(
        name=params.string("name", required=True), source=source, run_id=run_id, tags=_tags(params),
        description=params.string("description")))
    return {"model_version": wire.model_version(response.model_version)}


async def get_version(params: Params, caller: Caller) -> dict[str, Any]:
    response = await caller.call(caller.services.registry.GetModelVersion, pb.GetModelVersionRequest(
        name=params.string("name", required=True), version=_version(params)))
    return {"model_version": wire.model_version(response.model_version)}


async def update_version(params: Params, caller: Caller) -> dict[str, Any]:
    response = await caller.call(caller.services.registry.UpdateModelVersion, pb.UpdateModelVersionRequest(
        name=params.string("name", required=True), version=_version(params),
        description=params.string("description")))
    return {"model_version": wire.model_version(response.model_version)}


async def delete_version(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.registry.DeleteModelVersion, pb.DeleteModelVersionRequest(
        name=params.string("name", required=True), version=_version(params)))
    return {}


async def search_versions(params: Params, caller: Caller) -> dict[str, Any]:
    text, prompts = _without_prompt_condition(params.string("filter"))
    response = await caller.call(caller.services.registry.SearchModelVersions, pb.SearchModelVersionsRequest(
        filter=text, max_results=_max_results(params, 1000),
        order_by=params.strings("order_by"), page_token=params.string("page_token")))
    versions = [wire.model_version(version) for version in response.model_versions
                if prompts is None or _is_prompt(version.tags) == prompts]
    return _page(versions, "model_versions", response.next_page_token)


async def transition_stage(params: Params, caller: Caller) -> dict[str, Any]:
    response = await caller.call(caller.services.registry.TransitionModelVersionStage,
                                 pb.TransitionModelVersionStageRequest(
                                     name=params.string("name", required=True), version=_version(params),
                                     stage=wire.stage(params.string("stage", required=True)),
                                     archive_existing_versions=params.boolean("archive_existing_versions")))
    return {"model_version": wire.model_version(response.model_version)}


async def download_uri(params: Params, caller: Caller) -> dict[str, Any]:
    response = await caller.call(caller.services.registry.GetModelVersionDownloadUri,
                                 pb.GetModelVersionDownloadUriRequest(name=params.string("name", required=True),
                                                                      version=_version(params)))
    return {"artifact_uri": wire.to_proxied(response.artifact_uri)}


async def set_version_tag(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.registry.SetModelVersionTag, pb.SetModelVersionTagRequest(
        name=params.string("name", required=True), version=_version(params), key=params.string("key", required=True),
        value=params.string("value")))
    return {}


async def delete_version_tag(params: Params, caller: Caller) -> dict[str, Any]:
    await caller.call(caller.services.registry.DeleteModelVersionTag, pb.DeleteModelVersionTagRequest(
        name=params.string("name", required=True), version=_version(params),
        key=params.string("key", required=True)))
    return {}


TABLE: list[tuple[str, list[str], Handler]] = [
    ("/registered-models/create", ["POST"], create_model),
    ("/registered-models/get", ["GET"], get_model),
    ("/registered-models/rename", ["POST"], rename_model),
    ("/registered-models/update", ["PATCH"], update_model),
    ("/registered-models/delete", ["DELETE"], delete_model),
    ("/registered-models/search", ["GET"], search_models),
    ("/registered-models/get-latest-versions", ["POST", "GET"], latest_versions),
    ("/registered-models/set-tag", ["POST"], set_model_tag),
    ("/registered-models/delete-tag", ["DELETE"], delete_model_tag),
    ("/registered-models/alias", ["POST", "DELETE", "GET"], alias),
    ("/model-versions/create", ["POST"], create_version),
    ("/model-versions/get", ["GET"], get_version),
    ("/model-versions/update", ["PATCH"], update_version),
    ("/model-versions/delete", ["DELETE"], delete_version),
    ("/model-versions/search", ["GET"], search_versions),
    ("/model-versions/transition-stage", ["POST"], transition_stage),
    ("/model-versions/get-download-uri", ["GET"], download_uri),
    ("/model-versions/set-tag", ["POST"], set_version_tag),
    ("/model-versions/delete-tag", ["DELETE"], delete_version_tag),
]

"""The registry's read path: live reads from the read models, as-of reads folded from the log."""

from __future__ import annotations

import re

from mlledger import errors
from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.services.registry import domain, encode, history, queries, search
from mlledger.v1 import registry_pb2 as pb
from mlledger.vocabulary import STAGE_NAMES

_STAGES_BY_NAME = {name.lower(): stage for stage, name in STAGE_NAMES.items()}
_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:/(?P<ref>[^/@]+)|@(?P<alias>[^/@]+))/?$")


class RegistryReads:
    """Queries on registered models and versions, now or as of a past point."""

    def __init__(self, store: PostgresEventStore) -> None:
        self.store = store
        self.s = store.schema

    async def model(self, name: str, as_of: pb.AsOf | None = None, *, numbers: tuple[int, ...] = (),
                    latest: bool = True, alias: str = "") -> tuple[domain.ModelState, int]:
        """The model (with its latest version per stage, versions `numbers` and the one `alias` names)
        and the log position it was read at (0 for live reads)."""
        if as_of is not None:
            return await history.state_at(self.store, name, as_of)
        async with self.store.pool.connection() as conn:
            return await queries.load_model(conn, self.s, name, latest=latest, numbers=numbers, alias=alias), 0

    async def version(self, name: str, number: int, as_of: pb.AsOf | None = None) -> tuple[pb.ModelVersion, int]:
        model, position = await self.model(name, as_of, numbers=(number,), latest=False)
        return encode.version(model, model.version(number)), position

    async def latest(self, name: str, stages: list[int],
                     as_of: pb.AsOf | None = None) -> tuple[list[pb.ModelVersion], int]:
        model, position = await self.model(name, as_of)
        return [encode.version(model, v) for v in model.latest_per_stage(stages)], position

    async def by_alias(self, name: str, alias: str, as_of: pb.AsOf | None = None) -> tuple[pb.ModelVersion, int]:
        model, position = await self.model(name, as_of, latest=False, alias=alias)
        if alias not in model.aliases:
            raise errors.NotFound("registered model alias", f"{name}@{alias}")
        return encode.version(model, model.version(model.aliases[alias])), position

    async def resolve(self, uri: str) -> pb.ModelVersion:
        """The version a models:/ URI names: by number, latest in a stage, "latest", or by alias."""
        match = _URI.fullmatch(uri)
        if not match:
            raise errors.InvalidArgument("uri", "expected models:/<name>/<version>, models:/<name>/<stage> or "
                                                f"models:/<name>@<alias>, got {uri!r}")
        name, ref, alias = match.group("name"), match.group("ref"), match.group("alias")
        if alias:
            return (await self.by_alias(name, alias))[0]
        if ref.isascii() and ref.isdigit() and 0 < int(ref) < 2**63:
            return (await self.version(name, int(ref)))[0]
        if ref.lower() != "latest" and ref.lower() not in _STAGES_BY_NAME:
            raise errors.InvalidArgument("uri", f"{ref!r} is neither a version number nor a stage "
                                                "(None, Staging, Production, Archived) nor 'latest'")
        model, _ = await self.model(name)
        stages = [] if ref.lower() == "latest" else [_STAGES_BY_NAME[ref.lower()]]
        candidates = model.latest_per_stage(stages)
        if not candidates:
            raise errors.NotFound("model version", f"{name}/{ref}")
        return encode.version(model, max(candidates, key=lambda v: v.version))

    async def search_models(self, request: pb.SearchRegisteredModelsRequest) -> pb.SearchRegisteredModelsResponse:
        entity = search.models_entity(self.s)
        where, params = search.compile_filter(request.filter, entity)
        order = search.compile_order(list(request.order_by), entity)
        limit, offset = search.page(request.max_results, request.page_token)
        async with self.store.pool.connection() as conn:
            ids = await queries.search_models(conn, self.s, where, params, order, limit, offset)
            models = await queries.load_models(conn, self.s, ids[:limit], latest=True)
        return pb.SearchRegisteredModelsResponse(
            registered_models=[encode.model(models[mid]) for mid in ids[:limit] if mid in models],
            next_page_token=search.next_token(limit, offset, min(len(ids), limit), len(ids) > limit))

    async def search_versions(self, request: pb.SearchModelVersionsRequest) -> pb.SearchModelVersionsResponse:
        entity = search.versions_entity(self.s)
        where, params = search.compile_filter(request.filter, entity)
        order = search.compile_order(list(request.order_by), entity)
        limit, offset = search.page(request.max_results, request.page_token)
        async with self.store.pool.connection() as conn:
            pairs = await queries.search_versions(conn, self.s, where, params, order, limit, offset)
            found = await queries.load_version_pairs(conn, self.s, pairs[:limit])
        return pb.SearchModelVersionsResponse(
            model_versions=[encode.version(model, version) for model, version in found],
            next_page_token=search.next_token(limit, offset, min(len(pairs), limit), len(pairs) > limit))

"""The registry's read models are derived: dropping and replaying them from the log changes no answer."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.services.registry.projector import RegistryProjector


def _snapshot(client, name):
    model = client.get_registered_model(name)
    versions = [client.get_model_version(name, n) for n in (1, 2, 3)]
    return model, versions, client.search_model_versions(f"name = '{name}'")


async def test_rebuild_reproduces_the_live_read_model(mlledger_stack, client, ready_model):
    """After store.rebuild() every read of a busy model returns exactly what it returned before."""
    name = ready_model(3)
    client.transition_model_version_stage(name, 1, "Production")
    client.transition_model_version_stage(name, 2, "Production", archive_existing_versions=True)
    client.set_registered_model_alias(name, "champion", 2)
    client.set_model_version_tag(name, 3, "k", "v")
    client.rename_registered_model(name, name + "-r")
    name += "-r"
    before = _snapshot(client, name)
    async with AsyncConnectionPool(mlledger_stack.database_url, min_size=1, max_size=2,
                                   kwargs={"autocommit": True}) as pool:
        store = PostgresEventStore(pool, "registry", RegistryProjector("registry"))
        assert await store.rebuild() > 0
    assert _snapshot(client, name) == before

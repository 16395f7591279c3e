"""What a principal sees in answers that list resources: only those it may read.

Searches are answered by the services as usual and then filtered here (a page may then hold
fewer entries than asked; its next-page token is unchanged, so paging still reaches the end).
A lookup by name (GetExperimentByName) needs READ on what it found.
"""

from __future__ import annotations

from typing import Any

from mlledger.services.auth.access import AccessControl
from mlledger.services.auth.principal import Principal
from mlledger.v1 import auth_pb2 as pb

TRACKING = "/mlledger.v1.TrackingService/"
REGISTRY = "/mlledger.v1.RegistryService/"

#: method -> (repeated field of the response, kind, attribute naming the resource)
_LISTINGS = {
    TRACKING + "SearchExperiments": ("experiments", pb.EXPERIMENT, "experiment_id"),
    REGISTRY + "SearchRegisteredModels": ("registered_models", pb.REGISTERED_MODEL, "name"),
    REGISTRY + "SearchModelVersions": ("model_versions", pb.REGISTERED_MODEL, "name"),
}


async def visible(method: str, response: Any, principal: Principal, access: AccessControl) -> Any:
    """`response` with what `principal` may not read left out (or PermissionDenied for a lookup)."""
    if principal.is_admin:
        return response
    if method == TRACKING + "GetExperimentByName":
        await access.require(principal, pb.EXPERIMENT, response.experiment.experiment_id, pb.READ)
        return response
    listing = _LISTINGS.get(method)
    # Every granted role includes READ: with a default of READ or more, nothing is hidden.
    if listing is None or access.settings.default_role >= pb.READ:
        return response
    field, kind, attribute = listing
    items = getattr(response, field)
    kept = [item for item in items if await access.role(principal, kind, getattr(item, attribute)) >= pb.READ]
    if len(kept) != len(items):
        del items[:]
        items.extend(kept)
    return response


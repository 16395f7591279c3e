"""The auth component one service process runs: schema, directory, guard, AuthService, relay.

Every service runs one; they share the `auth` schema of the deployment's database (its log is
published as `mlledger.auth.*` by whichever service's relay holds the lock), so a token or a
role recorded through any service is known to all.
"""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from psycopg_pool import AsyncConnectionPool

from mlledger.services.auth.access import AccessControl
from mlledger.services.auth.api import AuthApi
from mlledger.services.auth.authenticator import Authenticator
from mlledger.services.auth.directory import Directory
from mlledger.services.auth.forwarding import ForwardIdentity
from mlledger.services.auth.grants import Grants
from mlledger.services.auth.guard import CallGuard
from mlledger.services.auth.jwt_verifier import JwtVerifier
from mlledger.services.auth.policy import Resolvers
from mlledger.services.auth.projector import MIGRATIONS, SCHEMA, AuthProjector
from mlledger.services.auth.settings import AuthSettings
from mlledger.services.core.config import Settings
from mlledger.services.core.logging import get_logger
from mlledger.services.eventstore.relay import Relay
from mlledger.services.eventstore.schema import migrate
from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.v1 import auth_pb2, auth_pb2_grpc

log = get_logger("auth")


class AuthComponent:
    """Identity and permissions inside one service process."""

    def __init__(self, settings: AuthSettings, store: PostgresEventStore, directory: Directory) -> None:
        self.settings = settings
        self.store = store
        self.directory = directory
        self.resolvers = Resolvers()
        self.access = AccessControl(settings, directory, store)
        self.grants = Grants(store, directory)
        jwt = JwtVerifier(settings.jwt) if settings.jwt is not None else None
        self.authenticator = Authenticator(settings, directory, jwt)
        #: The identity step of the server's interceptor; None while authentication is off.
        self.guard = CallGuard(self.authenticator, self.access, self.grants, self.resolvers) if settings.enabled else None
        self.relay: Relay | None = None

    @classmethod
    async def start(cls, service: Settings, pool: AsyncConnectionPool) -> AuthComponent:
        """Migrate the auth schema, load the directory (when authentication is on) and start the relay."""
        settings = AuthSettings.from_env(enabled=service.auth)
        await migrate(pool, SCHEMA, MIGRATIONS)
        store = PostgresEventStore(pool, SCHEMA, AuthProjector())
        component = cls(settings, store, Directory(store, service.database_url))
        if settings.enabled:
            await component.directory.start()
            if not settings.service_token:
                log.warning("authentication is on without MLLEDGER_AUTH_SERVICE_TOKEN: calls between services "
                            "will be refused", service=service.service)
        if service.nats_url and service.relay:
            # With authentication off the auth log changes only by an administrator's call: its
            # relay polls instead of being signalled at every commit of every service.
            component.relay = Relay(store, service.database_url, service.nats_url, SCHEMA, service.stream,
                                    listen=settings.enabled)
            component.relay.start()
        log.info("auth component started", service=service.service, enabled=settings.enabled)
        return component

    def register(self, server: grpc.aio.Server) -> Sequence[str]:
        """Serve AuthService on `server`; returns its full name."""
        api = AuthApi(self.settings, self.store, self.directory, self.access, self.grants)
        auth_pb2_grpc.add_AuthServiceServicer_to_server(api, server)
        return [auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name]

    def client_interceptors(self) -> list[grpc.aio.ClientInterceptor]:
        """Interceptors for channels to the deployment's other services."""
        if self.settings.enabled and self.settings.service_token:
            return [ForwardIdentity(self.settings.service_token)]
        return []

    async def stop(self) -> None:
        await self.directory.stop()
        if self.relay is not None:
            await self.relay.stop()

"""The gRPC server every service runs: health, reflection, error mapping, the relay, shutdown.

A service supplies a `ServiceDefinition` (its name, migrations, projector and servicers);
`ServiceRuntime` does the rest: opens the database pool, migrates the service's schema,
serves gRPC with health checking and reflection, runs the outbox relay, and shuts down
gracefully (NOT_SERVING first, then in-flight calls get a grace period).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import grpc
import uvloop
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from mlledger import __version__
from mlledger.services.auth.component import AuthComponent
from mlledger.services.core import clients
from mlledger.services.core.builtin_api import DiscoveryApi, EventLogApi
from mlledger.services.core.config import Settings
from mlledger.services.core.event_stream_api import EventStreamApi
from mlledger.services.core.interceptors import Identify, ServiceInterceptor, actor_header_identity
from mlledger.services.core.logging import get_logger
from mlledger.services.core.rate_limit import RateLimiter
from mlledger.services.core.readiness import DatabaseReadiness
from mlledger.services.core.tls import bind
from mlledger.services.eventstore.database import open_pool
from mlledger.services.eventstore.projection import Projector
from mlledger.services.eventstore.relay import Relay
from mlledger.services.eventstore.schema import Migration, migrate
from mlledger.services.eventstore.postgres import PostgresEventStore
from mlledger.v1 import common_pb2, events_pb2

log = get_logger("server")

#: The health-check service name that reports only whether the process is alive (for liveness probes).
LIVENESS_SERVICE = "mlledger.liveness"


class ServiceDefinition(Protocol):
    """What a service supplies to run on the shared scaffolding."""

    name: str
    migrations: Sequence[Migration]

    def projector(self, schema: str) -> Projector:
        """The projector maintaining this service's read models."""
        ...

    def register(self, server: grpc.aio.Server, runtime: ServiceRuntime) -> Sequence[str]:
        """Add the service's servicers to `server`; return their full names (for reflection and health)."""
        ...


class ServiceRuntime:
    """One running service: pool, event store, gRPC server and relay."""

    def __init__(self, definition: ServiceDefinition, settings: Settings, *,
                 identify: Identify = actor_header_identity) -> None:
        self.definition = definition
        self.settings = settings
        #: The interceptor chain's identity step: who is calling (the seam for authentication).
        self.identify = identify
        self.store: PostgresEventStore | None = None
        self.relay: Relay | None = None
        self.server: grpc.aio.Server | None = None
        self.health = health.aio.HealthServicer()
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._service_names: list[str] = []
        self.readiness: DatabaseReadiness | None = None
        self.event_stream: EventStreamApi | None = None
        self.auth: AuthComponent | None = None
        #: Called (awaited) on shutdown after the server stopped, e.g. to stop background consumers.
        self.on_stop: list[Callable[[], Awaitable[None]]] = []

    async def start(self) -> int:
        """Start serving; returns the bound port."""
        settings = self.settings
        pool = await open_pool(settings.database_url, min_size=settings.pool_min, max_size=settings.pool_max,
                               name=settings.service)
        await migrate(pool, settings.schema, self.definition.migrations)
        self.store = PostgresEventStore(pool, settings.schema, self.definition.projector(settings.schema))
        options = [
            ("grpc.max_send_message_length", settings.max_message_bytes),
            ("grpc.max_receive_message_length", settings.max_message_bytes),
            ("grpc.so_reuseport", 0),
        ]
        limiter = RateLimiter(settings.rate_limit) if settings.rate_limit else None
        self.auth = await AuthComponent.start(settings, pool)
        self.server = grpc.aio.server(
            interceptors=[ServiceInterceptor(self.identify, admission=limiter.admit if limiter else None,
                                             guard=self.auth.guard)],
            options=options)
        names = [*self.definition.register(self.server, self), *self.auth.register(self.server)]
        from mlledger.v1 import common_pb2_grpc, events_pb2_grpc, subscriptions_pb2, subscriptions_pb2_grpc

        event_log = EventLogApi(self.store, settings.service, {"auth": self.auth.store})
        events_pb2_grpc.add_EventLogServiceServicer_to_server(event_log, self.server)
        self.event_stream = EventStreamApi(settings.nats_url, settings.stream)
        subscriptions_pb2_grpc.add_EventServiceServicer_to_server(self.event_stream, self.server)
        common_pb2_grpc.add_DiscoveryServiceServicer_to_server(DiscoveryApi(settings, __version__), self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        names += [
            events_pb2.DESCRIPTOR.services_by_name["EventLogService"].full_name,
            subscriptions_pb2.DESCRIPTOR.services_by_name["EventService"].full_name,
            common_pb2.DESCRIPTOR.services_by_name["DiscoveryService"].full_name,
        ]
        self._service_names = names
        reflection.enable_server_reflection([*names, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server)
        port = bind(self.server, settings.address, settings.tls)
        if port == 0:
            raise OSError(f"cannot listen on {settings.address}: the port is taken or the address is not local")
        settings.port = port
        await self.server.start()
        for name in ["", *names]:
            await self._set_health(name, health_pb2.HealthCheckResponse.SERVING)
        # Liveness stays SERVING while the process runs: a database outage must make the service
        # unready (health "") without an orchestrator restarting it.
        await self._set_health(LIVENESS_SERVICE, health_pb2.HealthCheckResponse.SERVING)
        self.readiness = DatabaseReadiness(pool, self._set_database_ready)
        self.readiness.start()
        if settings.nats_url and settings.relay:
            self.relay = Relay(self.store, settings.database_url, settings.nats_url, settings.service, settings.stream)
            self.relay.start()
        elif not settings.nats_url:
            log.warning("no NATS URL configured: events are logged but not published", service=settings.service)
        log.info("service started", service=settings.service, address=settings.address)
        return port

    async def _set_health(self, name: str, status: int) -> None:
        await self.health.set(name, status)

    async def _set_database_ready(self, ready: bool) -> None:
        """Health follows the database: a service cannot answer without it."""
        status = health_pb2.HealthCheckResponse.SERVING if ready else health_pb2.HealthCheckResponse.NOT_SERVING
        for name in ["", *self._service_names]:
            await self._set_health(name, status)

    def channel(self, service: str) -> grpc.aio.Channel:
        """A shared channel to another service of this deployment (from the endpoints setting); its
        calls forward the actor and correlation id of the request being served."""
        if service not in self._channels:
            address = self.settings.endpoints.get(service)
            if not address:
                from mlledger import errors

                raise errors.Unavailable(f"the {service} service's address is not configured (--endpoints)")
            extra = self.auth.client_interceptors() if self.auth is not None else []
            self._channels[service] = clients.channel(address, self.settings.peer_tls,
                                                      self.settings.max_message_bytes, extra)
        return self._channels[service]

    async def stop(self) -> None:
        """Stop gracefully: report NOT_SERVING, let in-flight calls finish, stop the relay, close the pool."""
        if self.readiness is not None:
            await self.readiness.stop()
        for name in ["", *self._service_names]:
            with contextlib.suppress(Exception):
                await self._set_health(name, health_pb2.HealthCheckResponse.NOT_SERVING)
        if self.server is not None:
            await self.server.stop(self.settings.shutdown_grace)
        for callback in self.on_stop:
            with contextlib.suppress(Exception):
                await callback()
        if self.event_stream is not None:
            await self.event_stream.close()
        if self.relay is not None:
            await self.relay.stop()
        if self.auth is not None:
            await self.auth.stop()
        for channel in self._channels.values():
            await channel.close()
        if self.store is not None:
            await self.store.pool.close()
        log.info("service stopped", service=self.settings.service)


def run(definition: ServiceDefinition, settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM on uvloop's event loop. Everything a service does waits on
    sockets (gRPC, PostgreSQL, NATS), and uvloop's loop costs about a tenth less of the service's
    CPU per call than asyncio's own (measured with benchmarks/bench_writes.py)."""
    uvloop.run(serve_forever(definition, settings))


async def serve_forever(definition: ServiceDefinition, settings: Settings, *, on_ready: object = None) -> None:
    """Run a service until SIGINT or SIGTERM, then shut it down gracefully."""
    runtime = ServiceRuntime(definition, settings)
    await runtime.start()
    if callable(on_ready):
        on_ready(runtime)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runtime.stop()

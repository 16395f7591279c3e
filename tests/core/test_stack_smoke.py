"""The stack starts, serves health, reflection and discovery on every service."""

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from mlledger.v1 import common_pb2, common_pb2_grpc


def test_every_service_is_serving(mlledger_stack):
    """Each service answers its health check with SERVING."""
    for name, address in mlledger_stack.endpoints.items():
        with grpc.insecure_channel(address) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, name


def test_reflection_lists_the_services(mlledger_stack):
    """Server reflection lists the event log and discovery services."""
    with grpc.insecure_channel(mlledger_stack.endpoints["registry"]) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        replies = stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
        names = {service.name for reply in replies for service in reply.list_services_response.service}
    assert "mlledger.v1.EventLogService" in names
    assert "mlledger.v1.DiscoveryService" in names
    assert "grpc.health.v1.Health" in names


def test_discovery_returns_all_endpoints(mlledger_stack):
    """A client configured with one address learns every service's address."""
    with grpc.insecure_channel(mlledger_stack.tracking_uri) as channel:
        reply = common_pb2_grpc.DiscoveryServiceStub(channel).GetEndpoints(common_pb2.GetEndpointsRequest(), timeout=5)
    assert {e.name: e.address for e in reply.endpoints} == mlledger_stack.endpoints

"""The HTTP gateway: MLflow's REST API on top of the tracking, registry and artifact services.

A stateless process (starlette on uvicorn) that translates each HTTP request into gRPC calls,
forwarding the caller's identity and a correlation id, so every write is an ordinary event.
"""

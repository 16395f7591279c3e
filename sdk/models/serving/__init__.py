"""The scoring server: MLflow's scoring protocol and the Open Inference Protocol (REST and gRPC)
for one model, with worker processes, a request timeout, graceful shutdown, access logs and
Prometheus metrics."""

from mlledger.models.serving.errors import ScoringError
from mlledger.models.serving.server import ServeOptions, model_identity, serve

__all__ = ["ScoringError", "ServeOptions", "model_identity", "serve"]

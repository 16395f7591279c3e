"""mlledger: experiment tracking, model registry and artifacts on event-sourced gRPC services.

The fluent API mirrors MLflow's names, so a training script ports by changing its import:

    import mlledger
    with mlledger.start_run():
        mlledger.log_metric("quality", 2.0, step=1)

`mlledger.Client` exposes every call of every service with plain Python types.
"""

__version__ = "0.1.0"

from mlledger import errors
from mlledger.client import Client

# -- tracking (fluent API) --

# -- artifacts (fluent API) --

# -- registry (fluent API) --

__all__ = [
    "Client",
    "__version__",
    "errors",
]

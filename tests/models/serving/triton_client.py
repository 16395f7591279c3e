"""Scores a served model with the official tritonclient (HTTP or gRPC) and prints what it saw.

Run as a separate process: tritonclient registers its own `inference.*` protobuf messages, which
would clash with mlledger's generated ones in one process. Reads {"rows": {...columns...}} on
stdin; writes one JSON document on stdout.
"""

from __future__ import annotations

import json
import sys

import numpy as np


def main(protocol: str, url: str, model: str, binary: bool) -> None:
    if protocol == "grpc":
        import tritonclient.grpc as client_module
    else:
        import tritonclient.http as client_module
    columns = json.load(sys.stdin)["rows"]
    client = client_module.InferenceServerClient(url=url)
    metadata = client.get_model_metadata(model, "3") if protocol == "http" else \
        client.get_model_metadata(model, "3", as_json=True)
    inputs = []
    for tensor in metadata["inputs"]:
        values = np.asarray(columns[tensor["name"]], dtype=np.float64).reshape(-1, 1)
        item = client_module.InferInput(tensor["name"], list(values.shape), tensor["datatype"])
        if protocol == "http":
            item.set_data_from_numpy(values, binary_data=binary)
        else:
            item.set_data_from_numpy(values)
        inputs.append(item)
    output_name = metadata["outputs"][0]["name"]
    outputs = [client_module.InferRequestedOutput(output_name, binary_data=binary)] if protocol == "http" \
        else [client_module.InferRequestedOutput(output_name)]
    result = client.infer(model, inputs, model_version="3", outputs=outputs, request_id="req-1")
    proba = client.infer(model, inputs, parameters={"predict_method": "predict_proba"})
    try:
        client.get_model_metadata("no-such-model")
        unknown = "no error"
    except Exception as error:  # tritonclient raises InferenceServerException
        unknown = str(error)
    print(json.dumps({
        "live": client.is_server_live(), "ready": client.is_server_ready(),
        "model_ready": client.is_model_ready(model), "metadata": metadata,
        "server": client.get_server_metadata() if protocol == "http" else client.get_server_metadata(as_json=True),
        "predictions": result.as_numpy(output_name).tolist(),
        "id": result.get_response()["id"] if protocol == "http" else result.get_response(as_json=True)["id"],
        "proba": proba.as_numpy(proba.get_response()["outputs"][0]["name"] if protocol == "http"
                                else proba.get_response(as_json=True)["outputs"][0]["name"]).tolist(),
        "unknown_model": unknown,
    }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "binary")

"""Generated protobuf and gRPC code for the Open Inference Protocol (V2). Do not edit."""

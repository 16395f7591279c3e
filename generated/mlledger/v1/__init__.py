"""Generated protobuf and gRPC code for the mlledger.v1 contracts. Do not edit."""

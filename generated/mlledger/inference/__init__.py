"""Generated code for the Open Inference Protocol. Do not edit."""

"""The model format: the `MLmodel` file, signatures and their enforcement, model URIs and the
download cache, the flavor registry, and batch scoring of files."""

from mlledger.models.enforce import SignatureError
from mlledger.models.example import load_input_example, load_serving_input_example
from mlledger.models.flavors import Flavor, register_flavor, registered_flavors
from mlledger.models.infer import infer_signature
from mlledger.models.logging import ModelInfo
from mlledger.models.model import MLMODEL_FILE_NAME, Model
from mlledger.models.schema import ColSpec, DataType, ModelSignature, ParamSchema, ParamSpec, Schema, TensorSpec
from mlledger.models.uri import download_model

__all__ = ["ColSpec", "DataType", "Flavor", "MLMODEL_FILE_NAME", "Model", "ModelInfo", "ModelSignature",
           "ParamSchema", "ParamSpec", "Schema", "SignatureError", "TensorSpec", "download_model", "infer_signature",
           "load_input_example", "load_serving_input_example", "register_flavor", "registered_flavors"]

"""Signatures: what a model takes and returns, encoded as MLflow encodes them in `MLmodel`.

A `Schema` is either columns (`ColSpec`, named or positional) or tensors (`TensorSpec`); a
`ParamSchema` lists the inference params with their defaults. `to_dict`/`from_dict` use MLflow's
JSON encoding (each part a JSON string), so signatures read the same in either tool.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class DataType(enum.Enum):
    """A column's type, named as MLflow names it, with its numpy dtype."""

    boolean = "boolean"
    integer = "integer"
    long = "long"
    float = "float"
    double = "double"
    string = "string"
    binary = "binary"
    datetime = "datetime"

    def to_numpy(self) -> np.dtype:
        """The numpy dtype values of this type are held in (object for strings and bytes)."""
        return _NUMPY[self]


_NUMPY = {DataType.boolean: np.dtype("bool"), DataType.integer: np.dtype("int32"),
          DataType.long: np.dtype("int64"), DataType.float: np.dtype("float32"),
          DataType.double: np.dtype("float64"), DataType.string: np.dtype("object"),
          DataType.binary: np.dtype("object"), DataType.datetime: np.dtype("datetime64[ns]")}


def _data_type(name: Any, where: str) -> DataType | dict[str, Any]:
    """A DataType by name; composite MLflow types (array, object, map) are kept as their dicts."""
    if isinstance(name, dict):
        return name
    try:
        return DataType(name)
    except ValueError:
        raise ValueError(f"{where}: unknown type {name!r}") from None


@dataclass(frozen=True)
class ColSpec:
    """One column: its type, its name (None for positional columns) and whether it may be absent."""

    type: DataType | dict[str, Any]
    name: str | None = None
    required: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.type, str):
            object.__setattr__(self, "type", _data_type(self.type, f"column {self.name!r}"))

    @property
    def type_name(self) -> str:
        """The MLflow name of the type ("double", "string", ... or "array" for composites)."""
        return self.type.value if isinstance(self.type, DataType) else str(self.type.get("type"))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = (dict(self.type) if isinstance(self.type, dict) else {"type": self.type.value})
        if self.name is not None:
            out["name"] = self.name
        out["required"] = self.required
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColSpec:
        kind = data["type"]
        if kind in ("array", "object", "map", "sparkml_vector", "any"):
            kind = {k: v for k, v in data.items() if k not in ("name", "required")}
        return cls(kind, data.get("name"), bool(data.get("required", True)))


@dataclass(frozen=True)
class TensorSpec:
    """A tensor: numpy dtype and shape, -1 for a dimension of any size (usually the batch)."""

    dtype: np.dtype
    shape: tuple[int, ...]
    name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtype", np.dtype(self.dtype))
        object.__setattr__(self, "shape", tuple(int(d) for d in self.shape))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "tensor", "tensor-spec": {"dtype": str(self.dtype), "shape": list(self.shape)}}
        if self.name is not None:
            out["name"] = self.name
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TensorSpec:
        spec = data["tensor-spec"]
        return cls(np.dtype(spec["dtype"]), tuple(spec["shape"]), data.get("name"))


class Schema:
    """An ordered list of ColSpecs or of TensorSpecs (not a mix)."""

    def __init__(self, inputs: Sequence[ColSpec | TensorSpec]) -> None:
        entries: list[ColSpec | TensorSpec] = list(inputs)
        kinds = {type(spec) for spec in entries}
        if len(kinds) > 1:
            raise ValueError("a schema holds either columns or tensors, not both")
        names = [spec.name for spec in entries]
        if any(names) and not all(names):
            raise ValueError("either every entry of a schema has a name or none has")
        if len(set(names)) != len(names) and any(names):
            raise ValueError(f"duplicate names in schema: {names}")
        self.inputs = entries

    def column_specs(self) -> list[ColSpec]:
        """The entries of a column schema (none for a tensor schema)."""
        return [spec for spec in self.inputs if isinstance(spec, ColSpec)]

    def is_tensor_spec(self) -> bool:
        return bool(self.inputs) and isinstance(self.inputs[0], TensorSpec)

    def has_input_names(self) -> bool:
        return bool(self.inputs) and self.inputs[0].name is not None

    def input_names(self) -> list[str | int]:
        return [spec.name if spec.name is not None else i for i, spec in enumerate(self.inputs)]

    def required_input_names(self) -> list[str | int]:
        return [name for name, spec in zip(self.input_names(), self.inputs)
                if getattr(spec, "required", True)]

    def to_dict(self) -> list[dict[str, Any]]:
        return [spec.to_dict() for spec in self.inputs]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Schema:
        entries = json.loads(text)
        return cls([TensorSpec.from_dict(e) if e.get("type") == "tensor" else ColSpec.from_dict(e) for e in entries])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"Schema({self.to_dict()!r})"


@dataclass(frozen=True)
class ParamSpec:
    """An inference param: name, type, default, and shape (None for a scalar, (-1,) for a list)."""

    name: str
    dtype: DataType
    default: Any
    shape: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.dtype, str):
            object.__setattr__(self, "dtype", DataType(self.dtype))
        if self.shape is not None:
            object.__setattr__(self, "shape", tuple(self.shape))

    def to_dict(self) -> dict[str, Any]:
        default = self.default.isoformat() if hasattr(self.default, "isoformat") else self.default
        return {"name": self.name, "type": self.dtype.value, "default": default,
                "shape": list(self.shape) if self.shape is not None else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParamSpec:
        shape = data.get("shape")
        return cls(data["name"], DataType(data["type"]), data.get("default"), tuple(shape) if shape else None)


class ParamSchema:
    """The params a model's predict accepts."""

    def __init__(self, params: list[ParamSpec]) -> None:
        self.params = list(params)
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate param names: {names}")

    def to_dict(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.params]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> ParamSchema:
        return cls([ParamSpec.from_dict(entry) for entry in json.loads(text)])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParamSchema) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"ParamSchema({self.to_dict()!r})"


@dataclass
class ModelSignature:
    """A model's inputs, outputs and params; `MLmodel` stores it under `signature`."""

    inputs: Schema | None = None
    outputs: Schema | None = None
    params: ParamSchema | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """MLflow's encoding: each part a JSON string, or None."""
        return {"inputs": self.inputs.to_json() if self.inputs is not None else None,
                "outputs": self.outputs.to_json() if self.outputs is not None else None,
                "params": self.params.to_json() if self.params is not None else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSignature:
        def part(key: str, kind: Any) -> Any:
            text = data.get(key)
            return kind.from_json(text) if text else None
        extra = {k: v for k, v in data.items() if k not in ("inputs", "outputs", "params")}
        return cls(part("inputs", Schema), part("outputs", Schema), part("params", ParamSchema), extra)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelSignature) and self.to_dict() == other.to_dict()

"""Reading an MLflow request's parameters: the query string for GET and DELETE, JSON otherwise."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from mlledger.services.gateway.errors import invalid, missing

#: Parameters MLflow sends repeated in a query string.
_REPEATED = {"experiment_ids", "run_ids", "order_by", "stages", "runIds"}


class Params:
    """The parameters of one request with MLflow's validation messages."""

    def __init__(self, values: dict[str, Any], method: str = "POST") -> None:
        self.values = values
        self.method = method

    @classmethod
    async def of(cls, request: Request) -> Params:
        if request.method in ("GET", "DELETE") and request.query_params:
            values: dict[str, Any] = {}
            for key, value in request.query_params.multi_items():
                if key in _REPEATED:
                    values.setdefault(key, []).append(value)
                else:
                    values[key] = value
            return cls(values, request.method)
        body = await request.body()
        if not body.strip():
            return cls({}, request.method)
        try:
            values = json.loads(body)
        except ValueError as exc:
            raise invalid(f"Malformed JSON request body: {exc}") from None
        except RecursionError:  # json.loads recurses per nesting level; a hostile body nests deeper
            raise invalid("Malformed JSON request body: nested too deeply") from None
        if not isinstance(values, dict):
            raise invalid("The request body must be a JSON object")
        return cls(values, request.method)

    def get(self, name: str, default: Any = None) -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def string(self, name: str, *, required: bool = False, default: str = "") -> str:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return default
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise invalid(f"Invalid value {json.dumps(value)} for parameter '{name}' supplied: expected a string")
        return str(value)

    def integer(self, name: str, *, required: bool = False, default: int = 0) -> int:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return default
        try:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        except (TypeError, ValueError):
            raise invalid(f"Invalid value {json.dumps(value)} for parameter '{name}' supplied: expected an "
                          "integer") from None

    def number(self, name: str, *, required: bool = False) -> float:
        value = self.values.get(name)
        if value is None or value == "":
            if required:
                raise missing(name)
            return 0.0
        try:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        except (TypeError, ValueError):
            raise invalid(f"Invalid value {json.dumps(value)} for parameter '{name}' supplied: expected a "
                          "number") from None

    def boolean(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() == "true"
        return bool(value)

    def strings(self, name: str) -> list[str]:
        value = self.values.get(name)
        if value is None:
            return []
        if isinstance(value, (str, int)):
            return [str(value)]
        if not isinstance(value, list):
            raise invalid(f"Invalid value {json.dumps(value)} for parameter '{name}' supplied: expected a list")
        return [str(item) for item in value]

    def items(self, name: str) -> list[dict[str, Any]]:
        value = self.values.get(name) or []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise invalid(f"Invalid value {json.dumps(value)[:200]} for parameter '{name}' supplied: expected a "
                          "list of objects")
        return value

    def run_id(self) -> str:
        """run_id, or the older run_uuid MLflow clients still send."""
        value = self.string("run_id") or self.string("run_uuid")
        if not value:
            raise missing("run_id")
        return value

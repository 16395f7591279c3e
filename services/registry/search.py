"""The search filter language of SearchRegisteredModels and SearchModelVersions, compiled to SQL.

    name LIKE 'fraud%' AND tags.team = 'risk' AND tags.`owner id` != "x"

A small lark grammar parses the filter; comparisons become SQL fragments chosen from fixed
tables below, and every value the user wrote travels as a query parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedInput

from mlledger import errors, limits
from mlledger.services.core import paging

_GRAMMAR = r"""
start: cond (_AND cond)*
cond: field COMP value
field: TAG | ATTR
value: STRING | NUMBER
TAG.2: /tags\.(`[^`]+`|[A-Za-z0-9_][A-Za-z0-9_.\-\/]*)/
ATTR: /[A-Za-z_][A-Za-z0-9_]*/
COMP: "!=" | "=" | /ILIKE/i | /LIKE/i
STRING: /'[^']*'/ | /"[^"]*"/
NUMBER: /-?\d+/
_AND: /AND/i
%ignore /\s+/
"""
_PARSER = Lark(_GRAMMAR, parser="lalr")

MAX_RESULTS = 1000
#: Conditions in one filter: each tag condition is a subquery, and planning many of them is slow.
MAX_CONDITIONS = 100
DEFAULT_RESULTS = 100
_ORDER = re.compile(r"^\s*([A-Za-z_]+)(?:\s+(ASC|DESC))?\s*$", re.IGNORECASE)
_TEXT_OPS = {"=": "=", "!=": "<>", "LIKE": "LIKE", "ILIKE": "ILIKE"}
_EXACT_OPS = {"=": "=", "!=": "<>"}


@dataclass(frozen=True)
class Entity:
    """What can be searched: attributes (column, allowed operators, numeric?), the tag table, sort keys."""

    attributes: dict[str, tuple[str, dict[str, str], bool]]
    tag_exists: str
    sort_keys: dict[str, str]
    default_order: str


def models_entity(schema: str) -> Entity:
    return Entity(
        {"name": ("m.name", _TEXT_OPS, False)},
        f"EXISTS (SELECT 1 FROM {schema}.registered_model_tags t WHERE t.model_id = m.model_id AND t.key = %s "
        "AND t.value {op} %s)",
        {"name": "m.name", "creation_timestamp": "m.creation_time", "last_updated_timestamp": "m.last_updated_time"},
        "m.name ASC",
    )


def versions_entity(schema: str) -> Entity:
    return Entity(
        {"name": ("m.name", _TEXT_OPS, False), "run_id": ("v.run_id", _EXACT_OPS, False),
         "source": ("v.source", _TEXT_OPS, False), "version_number": ("v.version", _EXACT_OPS, True)},
        f"EXISTS (SELECT 1 FROM {schema}.model_version_tags t WHERE t.model_id = v.model_id "
        "AND t.version = v.version AND t.key = %s AND t.value {op} %s)",
        {"name": "m.name", "version_number": "v.version", "creation_timestamp": "v.creation_time",
         "last_updated_timestamp": "v.last_updated_time"},
        "m.name ASC, v.version DESC",
    )


def compile_filter(text: str, entity: Entity) -> tuple[str, list[Any]]:
    """A SQL boolean expression and its parameters ("TRUE" for an empty filter)."""
    if not text.strip():
        return "TRUE", []
    limits.check_filter(text)
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as exc:
        raise errors.InvalidArgument("filter", f"syntax error at column {exc.column}: "
                                               f"{limits.quote(exc.get_context(text).strip())}") from None
    except LarkError as exc:
        raise errors.InvalidArgument("filter", f"cannot parse: {exc}") from None
    if len(tree.children) > MAX_CONDITIONS:
        raise errors.InvalidArgument("filter", f"at most {MAX_CONDITIONS} conditions, got {len(tree.children)}")
    clauses, params = [], []
    for cond in tree.children:
        assert isinstance(cond, Tree)
        clause, values = _condition(cond, entity)
        clauses.append(clause)
        params += values
    return " AND ".join(clauses), params


def _condition(cond: Tree, entity: Entity) -> tuple[str, list[Any]]:
    field_tree, op_token, value_tree = cond.children
    field: Token = field_tree.children[0]  # type: ignore[union-attr, assignment]
    op = str(op_token).upper()
    value_token: Token = value_tree.children[0]  # type: ignore[union-attr, assignment]
    value = str(value_token)[1:-1] if value_token.type == "STRING" else str(value_token)
    if op in ("LIKE", "ILIKE"):
        limits.check_like_pattern("filter", value)
    if field.type == "TAG":
        key = str(field)[len("tags."):].strip("`")
        return entity.tag_exists.replace("{op}", _TEXT_OPS[op]), [key, value]
    name = str(field)
    if name not in entity.attributes:
        known = ", ".join([*entity.attributes, "tags.<key>"])
        raise errors.InvalidArgument("filter", f"unknown attribute {limits.quote(name)}: expected one of {known}")
    column, ops, numeric = entity.attributes[name]
    if op not in ops:
        raise errors.InvalidArgument("filter", f"{name} supports {', '.join(ops)}, not {op}")
    if numeric:
        digits = value[1:] if value.startswith("-") else value
        # isdigit() accepts '²' and other Unicode digits that int() refuses: ASCII only.
        if not (digits.isascii() and digits.isdigit()) or abs(int(value)) >= 2**63:
            raise errors.InvalidArgument("filter", f"{name} compares with a 64-bit integer, got {limits.quote(value)}")
        return f"{column} {ops[op]} %s", [int(value)]
    return f"{column} {ops[op]} %s", [value]


def compile_order(order_by: list[str], entity: Entity) -> str:
    """An ORDER BY list from "key [ASC|DESC]" items, always ending with a unique tie-breaker."""
    parts = []
    for index, item in enumerate(order_by):
        match = _ORDER.match(item)
        if not match or match.group(1).lower() not in entity.sort_keys:
            raise errors.InvalidArgument(f"order_by[{index}]", f"expected one of {', '.join(entity.sort_keys)} "
                                                               f"optionally followed by ASC or DESC, got "
                                                               f"{limits.quote(item)}")
        parts.append(f"{entity.sort_keys[match.group(1).lower()]} {(match.group(2) or 'ASC').upper()}")
    return ", ".join([*parts, entity.default_order]) if parts else entity.default_order


def page(max_results: int, token: str) -> tuple[int, int]:
    """(limit, offset) from a request's max_results and page_token."""
    if max_results < 0 or max_results > MAX_RESULTS:
        raise errors.InvalidArgument("max_results", f"must be between 0 and {MAX_RESULTS}, got {max_results}")
    return max_results or DEFAULT_RESULTS, paging.read_offset(token)


def next_token(limit: int, offset: int, returned: int, has_more: bool) -> str:
    if not has_more:
        return ""
    return paging.offset_token(offset + returned)

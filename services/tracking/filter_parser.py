"""The search filter language: a lark grammar parsed into a small, typed AST (pure, no SQL).

    metrics.acc > 0.9 AND (params.lr = '0.01' OR tags.`team name` IN ('a', 'b')) AND NOT run.status = 'FAILED'

Errors are `InvalidArgument` on the request field ("filter" or "order_by[i]") naming the
1-based column where parsing failed, so a person can find the mistake in a long filter.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import lark

from mlledger import errors, limits

_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr | or_expr _OR and_expr -> or_
?and_expr: not_expr | and_expr _AND not_expr -> and_
?not_expr: _NOT not_expr -> not_ | atom
?atom: comparison | "(" or_expr ")"
comparison: field COMPARATOR value          -> compare
          | field NEGATION? LIKEOP value     -> like
          | field NEGATION? _IN "(" value ("," value)* ","? ")" -> in_
          | field _IS NEGATION? _NULL        -> is_null
NEGATION: /not\b/i
LIKEOP: /i?like\b/i
field: QUALIFIED | BARE
?value: STRING | NUMBER
order_by: field DIRECTION?
DIRECTION: /(asc|desc)\b/i
QUALIFIED.2: /[A-Za-z_]+\.(`[^`]*`|"[^"]*"|[A-Za-z0-9_\-\/.:]+)/
BARE: /[A-Za-z_][A-Za-z0-9_]*/
COMPARATOR: "!=" | "<>" | "<=" | ">=" | "==" | "=" | "<" | ">"
STRING: /'(?:[^'\\]|\\.|'')*'/ | /"(?:[^"\\]|\\.)*"/
NUMBER: /[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/ | /[+-]?(nan|inf|infinity)\b/i
_AND.3: /and\b/i
_OR.3: /or\b/i
_NOT.3: /not\b/i
_IN.3: /in\b/i
_IS.3: /is\b/i
_NULL.3: /null\b/i
%import common.WS
%ignore WS
"""

Value = str | float

ENTITY_ALIASES = {
    "metrics": "metric", "metric": "metric", "params": "param", "param": "param", "tags": "tag", "tag": "tag",
    "attributes": "attribute", "attribute": "attribute", "attr": "attribute", "run": "attribute",
    "datasets": "dataset", "dataset": "dataset",
}


@dataclass(frozen=True)
class Field:
    """An operand: entity is metric, param, tag, attribute or dataset; column is where it starts."""

    entity: str
    key: str
    column: int


@dataclass(frozen=True)
class Comparison:
    """`field op value`; op is one of = != < <= > >= LIKE ILIKE NOT LIKE NOT ILIKE IN NOT IN IS NULL IS NOT NULL."""

    field: Field
    op: str
    value: Value | tuple[Value, ...] | None


@dataclass(frozen=True)
class BoolOp:
    """AND / OR of two or more operands."""

    op: str
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """Negation of an operand."""

    operand: Node


Node = Comparison | BoolOp | Not


@dataclass(frozen=True)
class OrderKey:
    """One sort key: the field and whether it sorts ascending."""

    field: Field
    ascending: bool


class FilterSyntaxError(Exception):
    """A parse failure with its 1-based column (raised before the request field is known)."""

    def __init__(self, message: str, column: int | None) -> None:
        super().__init__(message)
        self.column = column or 1


def _field(token: lark.Token) -> Field:
    text = str(token)
    if token.type == "BARE":
        return Field("attribute", text, token.column or 0)
    prefix, _, key = text.partition(".")
    entity = ENTITY_ALIASES.get(prefix.lower())
    if entity is None:
        raise FilterSyntaxError(f"unknown entity {prefix!r} (use metrics., params., tags., attributes. or datasets.)",
                     token.column)
    if len(key) >= 2 and key[0] == key[-1] and key[0] in "`\"":
        key = key[1:-1]
    if not key:
        raise FilterSyntaxError("empty key", token.column)
    return Field(entity, key, token.column or 0)


def _value(token: lark.Token) -> Value:
    if token.type == "NUMBER":
        return float(token)
    body = str(token)[1:-1]
    quote = str(token)[0]
    return body.replace(quote * 2, quote).replace("\\" + quote, quote).replace("\\\\", "\\")


class _ToAst(lark.Transformer):  # type: ignore[type-arg]
    def field(self, items: list[lark.Token]) -> Field:
        return _field(items[0])

    def compare(self, items: list[object]) -> Comparison:
        field, op, value = items
        normalized = {"==": "=", "<>": "!="}.get(str(op), str(op))
        return Comparison(field, normalized, _value(value))  # type: ignore[arg-type]

    def like(self, items: list[object]) -> Comparison:
        field, *middle, value = items
        op = str(middle[-1]).upper()
        return Comparison(field, op if len(middle) == 1 else f"NOT {op}", _value(value))  # type: ignore[arg-type]

    def in_(self, items: list[object]) -> Comparison:
        field, *rest = items
        negated = bool(rest) and getattr(rest[0], "type", "") == "NEGATION"
        values = tuple(_value(v) for v in (rest[1:] if negated else rest))  # type: ignore[arg-type]
        return Comparison(field, "NOT IN" if negated else "IN", values)  # type: ignore[arg-type]

    def is_null(self, items: list[object]) -> Comparison:
        return Comparison(items[0], "IS NOT NULL" if len(items) > 1 else "IS NULL", None)  # type: ignore[arg-type]

    def and_(self, items: list[Node]) -> BoolOp:
        return BoolOp("AND", _flatten("AND", items))

    def or_(self, items: list[Node]) -> BoolOp:
        return BoolOp("OR", _flatten("OR", items))

    def not_(self, items: list[Node]) -> Not:
        return Not(items[0])

    def order_by(self, items: list[object]) -> OrderKey:
        ascending = len(items) < 2 or str(items[1]).lower() == "asc"
        return OrderKey(items[0], ascending)  # type: ignore[arg-type]


def _flatten(op: str, items: list[Node]) -> tuple[Node, ...]:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.operands if isinstance(item, BoolOp) and item.op == op else (item,))
    return tuple(flat)


@functools.cache
def _parser(start: str) -> lark.Lark:
    return lark.Lark(_GRAMMAR, start=start, parser="lalr", propagate_positions=False)


def _describe(exc: lark.exceptions.UnexpectedInput, text: str) -> tuple[str, int]:
    """What went wrong and its 1-based column (just past the text for a premature end)."""
    token = getattr(exc, "token", None)
    if isinstance(exc, lark.exceptions.UnexpectedEOF) or (token is not None and token.type == "$END"):
        return "unexpected end of input", len(text.rstrip()) + 1
    column = exc.column if isinstance(exc.column, int) and exc.column > 0 else len(text) + 1
    if isinstance(exc, lark.exceptions.UnexpectedCharacters) and exc.pos_in_stream is not None:
        return f"unexpected character {text[exc.pos_in_stream]!r}", column
    return (f"unexpected {str(token)!r}" if token is not None else "syntax error"), column


#: Deepest parse tree accepted: the transformer takes two Python frames per level, so this stays well
#: inside the recursion limit even deep in a gRPC call.
_MAX_TREE_DEPTH = 300


def _check_depth(tree: lark.Tree, field_name: str) -> None:
    """Refuse a parse tree nested deeper than the limit (walked without recursion, so any depth is safe)."""
    stack = [(tree, 1, 1)]
    while stack:
        node, depth, chain = stack.pop()
        if depth > limits.MAX_FILTER_DEPTH:
            raise errors.InvalidArgument(field_name, f"is nested more than {limits.MAX_FILTER_DEPTH} levels deep "
                                                     "(parentheses, NOT, AND/OR)")
        if chain > _MAX_TREE_DEPTH:
            raise errors.InvalidArgument(field_name, f"has more than {_MAX_TREE_DEPTH} conditions in one AND/OR chain")
        # A chain of ANDs (or ORs) is one flat operation in the AST, so it adds no depth; the
        # parse tree still nests it, which the transformer walks recursively (hence the chain limit).
        stack.extend((child, depth if child.data == node.data in ("and_", "or_") else depth + 1, chain + 1)
                     for child in node.children if isinstance(child, lark.Tree))


def _parse(text: str, start: str, field_name: str) -> object:
    limits.check_string(field_name, text, "filter" if start == "start" else "order_by")
    try:
        tree = _parser(start).parse(text)
        _check_depth(tree, field_name)
        return _ToAst().transform(tree)
    except lark.exceptions.UnexpectedInput as exc:
        message, column = _describe(exc, text)
        raise errors.InvalidArgument(field_name, f"{message} at column {column}") from None
    except lark.exceptions.VisitError as exc:
        inner = exc.orig_exc
        if isinstance(inner, FilterSyntaxError):
            raise errors.InvalidArgument(field_name, f"{inner} at column {inner.column}") from None
        raise


def parse_filter(text: str, field_name: str = "filter") -> Node | None:
    """The AST of a filter expression; None for an empty filter."""
    if not text.strip():
        return None
    return _parse(text, "start", field_name)  # type: ignore[return-value]


def parse_order_by(text: str, field_name: str = "order_by") -> OrderKey:
    """One sort key such as "metrics.`val loss` DESC"."""
    return _parse(text, "order_by", field_name)  # type: ignore[return-value]

"""Hypothesis strategies for any request message, built from its protobuf descriptor.

Values lean towards what breaks services: empty and huge strings, NUL bytes, Unicode digits,
SQL and path fragments, deeply nested filters, extreme integers and timestamps, NaN and ±inf,
unknown enum numbers, and identifiers of objects that really exist (so calls reach the database).
"""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

F = FieldDescriptor

HOSTILE_STRINGS = [
    "", " ", "\x00", "a\x00b", "run\x00id", "\n", "latest\n", "x" * 300, "x" * 70_000, "y" * 1_100_000,
    "²", "١٢", "v²", "models:/m/²", "models:/m@a\n", "' OR 1=1 --", "'; DROP TABLE events; --", "%", "_", "\\",
    "a\\", "name LIKE 'a\\'", "name LIKE 'x%' AND tags.t = 'v'", "metrics.a > 1", "NOT " * 5000 + "metrics.a > 1",
    "(" * 10_000 + "metrics.a > 1" + ")" * 10_000, "metrics.a > 1 AND " * 900 + "metrics.a > 1",
    "../../etc/passwd", "a/" + "y" * 300, "z" * 256 + "/f", "mlledger-artifacts:/" + "n" * 300 + "/f",
    "mlledger-artifacts:/a/../../b", "file:///etc", "s3://bucket/key", "\u202e", "😀" * 2000, "0", "-1",
    "9" * 30, "NaN", "inf", "eyJvZmZzZXQiOiA5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5fQ==", "W1tbW1tbW1tbW1tbW10=",
    "eyJvZmZzZXQiOi0xfQ==", "!!notbase64!!", "STAGE_PRODUCTION", "Production", "champion",
]
EXTREME_INTS = [0, 1, -1, 2, 2**31 - 1, -(2**31), 2**53, 2**62, 2**63 - 1, -(2**63), 10**12, 1_700_000_000_000]
EXTREME_SECONDS = [0, -1, 2**62, -(2**62), 253_402_300_799, 253_402_300_800, -62_135_596_801, 1_700_000_000]
_INT_RANGES = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1), F.TYPE_SINT32: (-(2**31), 2**31 - 1), F.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    F.TYPE_INT64: (-(2**63), 2**63 - 1), F.TYPE_SINT64: (-(2**63), 2**63 - 1), F.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    F.TYPE_UINT32: (0, 2**32 - 1), F.TYPE_FIXED32: (0, 2**32 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1), F.TYPE_FIXED64: (0, 2**64 - 1),
}
MAX_DEPTH = 4


def strings(known: Sequence[str]) -> st.SearchStrategy[str]:
    """Short text, hostile strings, and identifiers of real objects."""
    choices = [st.text(max_size=40), st.sampled_from(HOSTILE_STRINGS)]
    if known:
        choices.append(st.sampled_from(list(known)))
    return st.one_of(*choices)


def _scalar(field: FieldDescriptor, known: Sequence[str]) -> st.SearchStrategy[object]:
    kind = field.type
    if kind == F.TYPE_STRING:
        return strings(known)
    if kind == F.TYPE_BYTES:
        return st.one_of(st.binary(max_size=64), st.just(b"\x00" * 1000))
    if kind == F.TYPE_BOOL:
        return st.booleans()
    if kind in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        return st.floats(allow_nan=True, allow_infinity=True, width=64 if kind == F.TYPE_DOUBLE else 32)
    if kind == F.TYPE_ENUM:
        numbers = [value.number for value in field.enum_type.values]
        return st.sampled_from([*numbers, -1, 99])
    low, high = _INT_RANGES[kind]
    extremes = [value for value in EXTREME_INTS if low <= value <= high]
    return st.one_of(st.sampled_from(extremes), st.integers(low, high))


def _field(field: FieldDescriptor, known: Sequence[str], depth: int) -> st.SearchStrategy[object]:
    single = messages(field.message_type, known, depth + 1) if field.type == F.TYPE_MESSAGE else _scalar(field, known)
    if field.is_repeated:
        return st.lists(single, max_size=3)
    return single


def _build(cls: type[Message], values: dict[str, object]) -> Message:
    message = cls()
    for name, value in values.items():
        if value is None:
            continue
        field = message.DESCRIPTOR.fields_by_name[name]
        if field.is_repeated:
            target = getattr(message, name)
            if field.type == F.TYPE_MESSAGE:
                for item in value:  # type: ignore[attr-defined]
                    target.add().CopyFrom(item)
            else:
                target.extend(value)  # type: ignore[arg-type]
        elif field.type == F.TYPE_MESSAGE:
            getattr(message, name).CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


def messages(descriptor: Descriptor, known: Sequence[str] = (), depth: int = 0) -> st.SearchStrategy[Message]:
    """Any message of `descriptor`'s type, every field optional."""
    cls = message_factory.GetMessageClass(descriptor)
    if descriptor.full_name == "google.protobuf.Timestamp":
        return st.builds(lambda s, n: cls(seconds=s, nanos=n), st.sampled_from(EXTREME_SECONDS),
                         st.sampled_from([0, 1, 999_999_999, -1, 1_000_000_000]))
    if depth >= MAX_DEPTH:
        return st.just(cls())
    fields = {field.name: st.one_of(st.none(), _field(field, known, depth)) for field in descriptor.fields}
    return st.fixed_dictionaries(fields).map(lambda values: _build(cls, values))


def _strings_in(message: Message) -> list[str]:
    found: list[str] = []
    for field, value in message.ListFields():
        items = value if field.is_repeated else [value]
        for item in items:
            if field.type == F.TYPE_STRING:
                found.append(item)
            elif field.type == F.TYPE_MESSAGE:
                found += _strings_in(item)
    return found


def names_any(message: Message, protected: Sequence[str]) -> bool:
    """Whether a string of `message` is one of `protected`, or a location above one of them."""
    for text in _strings_in(message):
        stem = text.strip().rstrip("/")
        if any(value == text or value == stem or (stem and value.startswith(stem + "/")) for value in protected):
            return True
    return False

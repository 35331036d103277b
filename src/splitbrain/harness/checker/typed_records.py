"""The fast reading of one history record: JSON straight into typed values, no dict.

A well-formed record (docs/history.md: all 17 keys, each of its JSON type) decodes in one C
call into a ``msgspec`` struct whose field order is ``RECORD_KEYS``, and leaves as the plain
tuple of its values: the reader's fast path. Anything else (a blank line, broken JSON, a key
missing, a value of another type, a number out of range) gives ``None``, and the reader reads
that line the general way (``orjson`` into a dict), which accepts what it always accepted and
names what is wrong with the rest::

    values = typed_values(line)      # (index, op, time, mono_ns, ...) or None
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from splitbrain.harness.checker.record_checks import RECORD_KEYS

__all__ = ["typed_values"]


class _Record(msgspec.Struct, gc=False):
    """A history record whose every key is present and of its type, in ``RECORD_KEYS`` order."""

    index: int
    op: int | None
    time: str
    mono_ns: int
    system: str
    process: str
    type: str
    f: str
    key: str
    field: str | None
    base_version: str | None
    new_version: str | None
    value: str | None
    fields: dict[str, Any] | None
    idempotency_key: str | None
    attempt: int | None
    outcome: str | None


if _Record.__struct_fields__ != RECORD_KEYS:  # pragma: no cover - a guard against drift
    raise AssertionError("typed_records._Record must list RECORD_KEYS in order")

_decode: Final = msgspec.json.Decoder(_Record).decode
_astuple: Final = msgspec.structs.astuple
_UNREADABLE: Final = (msgspec.DecodeError, msgspec.ValidationError)


def typed_values(line: bytes | str) -> tuple[Any, ...] | None:
    """``line``'s 17 values in ``RECORD_KEYS`` order, or None when it needs the general path."""
    try:
        return _astuple(_decode(line))
    except _UNREADABLE:
        return None

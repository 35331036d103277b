"""What a history record must look like, and the error that says what is wrong with one.

The reader (``history.py``) runs a cheap check on every record and calls :func:`diagnose` only
when that check fails; ``diagnose`` names the first problem: the file and line, the field, the
rule (docs/history.md) and, where there is one, the fix.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

from splitbrain.harness.checker.errors import HistoryFormatError, HistoryPairingError

__all__ = [
    "COMPLETIONS",
    "FORMAT",
    "RECORD_KEYS",
    "VERSION",
    "diagnose",
    "diagnose_invoke",
    "file_system",
    "parse",
    "unpaired",
]

FORMAT: Final = "splitbrain-history"
VERSION: Final = 1
RECORD_KEYS: Final = (
    "index",
    "op",
    "time",
    "mono_ns",
    "system",
    "process",
    "type",
    "f",
    "key",
    "field",
    "base_version",
    "new_version",
    "value",
    "fields",
    "idempotency_key",
    "attempt",
    "outcome",
)
COMPLETIONS: Final = frozenset(("ok", "fail", "info"))
_OPTIONAL_STR = ("field", "base_version", "new_version", "value", "idempotency_key", "outcome")


def diagnose_invoke(rec: dict[str, Any], label: str, number: int) -> None:
    _check_type(rec, f"{label}:{number}", "f", str)
    raise HistoryFormatError(f"{label}:{number}", "must be null on an invoke", field="op")


def parse(line: bytes | str, label: str, number: int) -> dict[str, Any]:
    try:
        rec = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise HistoryFormatError(
            f"{label}:{number}", f"is not JSON ({exc.msg} at column {exc.colno})"
        ) from None
    if type(rec) is not dict:
        raise HistoryFormatError(f"{label}:{number}", "must be a JSON object, one per line")
    return rec


def file_system(rec: dict[str, Any], label: str, number: int) -> str:
    """The file's system, from its header or its first record."""
    if "format" not in rec:
        system = rec.get("system")
        if type(system) is not str:
            diagnose(rec, label, number, None)
        return str(system)
    if rec.get("format") != FORMAT:
        raise HistoryFormatError(
            f"{label}:{number}", f"must be {FORMAT!r} in a header record", field="format"
        )
    version = rec.get("v")
    if version != VERSION:
        raise HistoryFormatError(
            f"{label}:{number}",
            f"names format version {version!r}; this checker reads version {VERSION}: "
            "upgrade splitbrain or re-export the history",
            field="v",
        )
    system = rec.get("system")
    if type(system) is not str:
        raise HistoryFormatError(f"{label}:{number}", "must name the file's system", field="system")
    return system


def diagnose(
    rec: dict[str, Any],
    label: str,
    number: int,
    expected: int | None,
    *,
    last_mono: int = -1,
    system: str | None = None,
) -> None:
    """Name the first thing wrong with ``rec`` (the slow path after a failed fast check)."""
    where = f"{label}:{number}"
    if type(rec) is not dict:
        raise HistoryFormatError(where, "must be a JSON object, one per line")
    missing = [key for key in RECORD_KEYS if key not in rec]
    if missing:
        raise HistoryFormatError(
            where, "is missing (every record has all 17 keys)", field=missing[0]
        )
    _check_type(rec, where, "index", int)
    if expected is not None and rec["index"] != expected:
        raise HistoryFormatError(
            where,
            f"is {rec['index']} but {expected} was expected: records must be in index order "
            "with no gap (export the whole history, or one page with ?since=N)",
            field="index",
        )
    _check_type(rec, where, "mono_ns", int)
    if rec["mono_ns"] < last_mono:
        raise HistoryFormatError(
            where, "goes backwards: a file's records must be in recording order", field="mono_ns"
        )
    for key in ("time", "system", "process", "f", "key"):
        _check_type(rec, where, key, str)
    if system is not None and rec["system"] != system:
        raise HistoryFormatError(
            where, f"differs from the file's system {system!r}: one file per system", field="system"
        )
    if rec["type"] not in ("invoke", *COMPLETIONS):
        raise HistoryFormatError(where, "must be one of invoke, ok, fail, info", field="type")
    for key in _OPTIONAL_STR:
        if rec[key] is not None:
            _check_type(rec, where, key, str)
    if rec["fields"] is not None and not isinstance(rec["fields"], dict):
        raise HistoryFormatError(
            where, "must be an object {field: value id} or null", field="fields"
        )
    if rec["attempt"] is not None:
        _check_type(rec, where, "attempt", int)
    if rec["type"] != "invoke":
        _check_type(rec, where, "op", int)


def _check_type(rec: dict[str, Any], where: str, key: str, kind: type) -> None:
    value = rec[key]
    if type(value) is not kind:
        raise HistoryFormatError(where, f"must be {_KIND_NAMES[kind]}", field=key)


_KIND_NAMES = {int: "an integer", str: "a string"}


def unpaired(rec: dict[str, Any], label: str, number: int, other_f: bool) -> HistoryPairingError:
    where = f"{label}:{number}"
    if other_f:
        return HistoryPairingError(
            where,
            f"differs from its invoke's f (op {rec['op']}): a completion repeats it",
            field="f",
        )
    return HistoryPairingError(
        where,
        f"names op {rec['op']!r}, which is not an open invoke of this file (unknown, or already "
        "completed): complete each invoke exactly once, after it",
        field="op",
    )

"""One history file's records -> its operations: each invoke paired with its completion.

The hot loop of the checker's reading (2 records per operation, millions of records). Per record
it does one ``orjson.loads``, one C-level fetch of the 17 keys (``itemgetter``: a missing key is
a ``KeyError``), one cheap validity test, and for a completion one ``tuple.__new__`` building
the :class:`Operation`. Anything unusual leaves the fast test and goes to ``record_checks``,
which names the first problem (file:line, field, rule, fix) or lets the record through::

    for chunk in read_chunks(HistorySource.from_path("crm.jsonl"), stats):
        for op in chunk:            # completion order; chunks of about CHUNK operations
            ...

Invokes still open at the end of the file become ``info`` operations (``no_completion``),
after the last chunk.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from operator import itemgetter
from typing import Any, Final, TypeVar

import orjson

from splitbrain.harness.checker.errors import HistoryFormatError
from splitbrain.harness.checker.model import INFO, Operation
from splitbrain.harness.checker.record_checks import (
    COMPLETIONS,
    RECORD_KEYS,
    diagnose,
    diagnose_invoke,
    file_system,
    parse,
    unpaired,
)
from splitbrain.harness.checker.sources import HistorySource, ReadStats
from splitbrain.harness.checker.typed_records import typed_values

__all__ = ["CHUNK", "read_chunks", "read_rows"]

CHUNK: Final = 8192
"""Operations per chunk: large enough to amortize the merge, small enough to stream."""
_NO_COMPLETION: Final = "no_completion"
_record = itemgetter(*RECORD_KEYS)
_new = tuple.__new__
_INDEX, _MONO, _F, _VALUE, _FIELDS = (
    RECORD_KEYS.index(k) for k in ("index", "mono_ns", "f", "value", "fields")
)
Row = TypeVar("Row", bound=tuple[Any, ...])


def read_chunks(
    source: HistorySource, stats: ReadStats | None = None, size: int = CHUNK
) -> Iterator[list[Operation]]:
    """The operations of one file in completion order, in lists of about ``size``."""
    return _pair(source, stats, size, Operation)


def read_rows(
    source: HistorySource, stats: ReadStats | None = None, size: int = CHUNK
) -> Iterator[list[tuple[Any, ...]]]:
    """As :func:`read_chunks`, as plain tuples in :class:`Operation`'s field order (what a
    worker process sends: ``marshal`` takes no tuple subclass)."""
    return _pair(source, stats, size, tuple)


def _pair(
    source: HistorySource, stats: ReadStats | None, size: int, row_type: type[Row]
) -> Iterator[list[Row]]:
    stats = stats if stats is not None else ReadStats()
    label = source.label
    lines = iter(source.lines())
    first, number = _first(lines, label, stats)
    system = stats.systems[label]
    pending: dict[int, tuple[Any, ...]] = {}
    expected: int | None = None
    last_mono = -1
    count = ops = 0
    chunk: list[Row] = []
    decode, completions, record = typed_values, COMPLETIONS, _record
    for line in itertools.chain(first, lines):
        number += 1
        values = decode(line)  # typed: every key present, each of its JSON type
        if values is None:  # anything unusual: read as JSON, then checked below as ever
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError:
                if not line.strip():
                    continue
                rec = parse(line, label, number)
        count += 1
        try:
            if values is None:
                values = record(rec)
            (index, op, time, mono, sys_, process, kind, f, key, field, base, new, value,
             fields, idem, attempt, outcome) = values  # fmt: skip
            if not (
                (index == expected or expected is None)
                and type(mono) is int
                and mono >= last_mono
                and sys_ == system
                and type(key) is str
                and (fields is None or type(fields) is dict)
            ):
                diagnose(parse(line, label, number), label, number, expected,
                         last_mono=last_mono, system=system)  # fmt: skip
            if kind == "invoke":
                if op is not None or type(f) is not str:
                    diagnose_invoke(parse(line, label, number), label, number)
                pending[index] = values
                expected, last_mono = index + 1, mono
                continue
            if kind not in completions:
                diagnose(parse(line, label, number), label, number, expected)
            inv = pending.pop(op, None)
            if inv is None or inv[_F] != f:
                raise unpaired(parse(line, label, number), label, number, inv is not None)
            expected, last_mono = index + 1, mono
        except (KeyError, TypeError):
            diagnose(parse(line, label, number), label, number, expected,
                     last_mono=last_mono, system=system)  # fmt: skip
            raise HistoryFormatError(
                f"{label}:{number}", "pairs with an invoke that lacks a key (docs/history.md)"
            ) from None
        row = (label, system, index, inv[_INDEX], kind, f, key, field, process, base, new,
               inv[_VALUE] if value is None else value,
               inv[_FIELDS] if fields is None else fields,
               idem, attempt, outcome, mono, inv[_MONO], time)  # fmt: skip
        chunk.append(_new(row_type, row))
        if len(chunk) >= size:
            ops += len(chunk)
            yield chunk
            chunk = []
    chunk.extend(
        _new(row_type, _open_operation(label, dict(zip(RECORD_KEYS, inv, strict=True)), last_mono))
        for inv in pending.values()
    )
    ops += len(chunk)
    stats.records[label] = count
    stats.operations[label] = ops
    stats.open_at_end[label] = len(pending)
    if chunk:
        yield chunk


def _first(
    lines: Iterator[bytes | str], label: str, stats: ReadStats
) -> tuple[list[bytes | str], int]:
    """Read up to the first record: the file's system (header or record), and where it is."""
    number = 0
    for line in lines:
        number += 1
        if not line.strip():
            continue
        rec = parse(line, label, number)
        stats.systems[label] = file_system(rec, label, number)
        if "format" in rec:
            return [], number
        return [line], number - 1
    stats.systems[label] = "?"
    return [], number


def _open_operation(label: str, inv: dict[str, Any], last_mono: int) -> Operation:
    return Operation(
        label,
        inv["system"],
        inv["index"],
        inv["index"],
        INFO,
        inv["f"],
        inv["key"],
        inv["field"],
        inv["process"],
        inv["base_version"],
        None,
        inv["value"],
        inv["fields"],
        inv["idempotency_key"],
        inv["attempt"],
        _NO_COMPLETION,
        max(last_mono, inv["mono_ns"]),
        inv["mono_ns"],
        inv["time"],
    )

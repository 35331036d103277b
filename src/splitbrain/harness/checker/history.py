"""Read histories: JSONL files (one per system), validated, each invoke paired with its completion.

The format is docs/history.md (version 1). A file may open with a header record
``{"format": "splitbrain-history", "v": 1, "system": "crm"}``; a file without one (the
simulators' ``GET /_admin/history`` export) is read as version 1. Reading streams: memory holds
only the invokes still open::

    sources = [HistorySource.from_path(p) for p in ("ehr.jsonl", "crm.jsonl", "portal.jsonl")]
    for op in merged_operations(sources):      # every file at once, in completion-time order
        print(op.file, op.index, op.type, op.f, op.key)

Files are merged by ``mono_ns``, the one monotonic clock every simulator of a world shares
(they run in one process). An invoke with no completion by the end of its file becomes an
``info`` operation (outcome ``no_completion``): it may or may not have taken effect.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

import orjson

from splitbrain.harness.checker.errors import HistoryFormatError
from splitbrain.harness.checker.model import INFO, Operation
from splitbrain.harness.checker.record_checks import (
    COMPLETIONS,
    FORMAT,
    RECORD_KEYS,
    VERSION,
    diagnose,
    diagnose_invoke,
    file_system,
    parse,
    unpaired,
)

__all__ = [
    "FORMAT",
    "RECORD_KEYS",
    "VERSION",
    "HistorySource",
    "ReadStats",
    "header",
    "merged_operations",
    "read_operations",
]

_REQUIRED = frozenset(RECORD_KEYS)
_KEY_COUNT = len(RECORD_KEYS)
_NO_COMPLETION = "no_completion"


def header(system: str) -> dict[str, Any]:
    """The header record a writer should put first in a file of ``system``'s history."""
    return {"format": FORMAT, "v": VERSION, "system": system}


@dataclass(frozen=True, slots=True)
class HistorySource:
    """One history file: ``label`` names it in witnesses, ``lines`` opens it afresh."""

    label: str
    lines: Callable[[], Iterator[bytes | str]]

    @classmethod
    def from_path(cls, path: str | Path, label: str | None = None) -> HistorySource:
        where = Path(path)

        def lines() -> Iterator[bytes | str]:
            with where.open("rb") as handle:
                yield from handle

        return cls(label or where.name, lines)

    @classmethod
    def from_text(cls, label: str, text: str) -> HistorySource:
        """An in-memory history, e.g. ``runtime.history.export_jsonl()``."""
        return cls(label, lambda: iter(text.splitlines()))

    @classmethod
    def from_records(cls, label: str, records: Iterable[dict[str, Any]]) -> HistorySource:
        """Records as dicts (tests, generators); they are serialized as a file would hold them."""
        rows = [orjson.dumps(record) for record in records]
        return cls(label, lambda: iter(rows))


@dataclass(slots=True)
class ReadStats:
    """What the reader saw: records and operations per file, and invokes left open."""

    records: dict[str, int] = field(default_factory=dict)
    operations: dict[str, int] = field(default_factory=dict)
    open_at_end: dict[str, int] = field(default_factory=dict)
    systems: dict[str, str] = field(default_factory=dict)

    @property
    def total_records(self) -> int:
        return sum(self.records.values())

    @property
    def total_operations(self) -> int:
        return sum(self.operations.values())


def merged_operations(
    sources: Iterable[HistorySource], stats: ReadStats | None = None
) -> Iterator[Operation]:
    """The operations of every file, merged in completion order (``mono_ns``)."""
    streams = [read_operations(source, stats) for source in sources]
    if len(streams) == 1:
        return streams[0]
    return heapq.merge(*streams, key=attrgetter("mono"))


def read_operations(source: HistorySource, stats: ReadStats | None = None) -> Iterator[Operation]:
    """The operations of one file in completion order, invokes paired by ``op``."""
    stats = stats if stats is not None else ReadStats()
    label = source.label
    pending: dict[int, dict[str, Any]] = {}
    lines = iter(source.lines())
    first, number = _first(lines, label, stats)
    system = stats.systems[label]
    expected: int | None = None
    last_mono = -1
    count = ops = 0
    loads, required, completions = orjson.loads, _REQUIRED, COMPLETIONS
    for line in itertools.chain(first, lines):
        number += 1
        try:
            rec = loads(line)
        except orjson.JSONDecodeError:
            if not line.strip():
                continue
            rec = parse(line, label, number)
        count += 1
        try:
            index = rec["index"]
            mono = rec["mono_ns"]
            fields = rec["fields"]
            if not (
                (index == expected or expected is None)
                and type(mono) is int
                and mono >= last_mono
                and rec["system"] == system
                and (len(rec) == _KEY_COUNT or rec.keys() >= required)
                and type(rec["key"]) is str
                and (fields is None or type(fields) is dict)
            ):
                diagnose(rec, label, number, expected, last_mono=last_mono, system=system)
            expected = index + 1
            last_mono = mono
            kind = rec["type"]
            if kind == "invoke":
                if rec["op"] is not None or type(rec["f"]) is not str:
                    diagnose_invoke(rec, label, number)
                pending[index] = rec
                continue
            if kind not in completions:
                diagnose(rec, label, number, expected)
            inv = pending.pop(rec["op"], None)
            if inv is None or inv["f"] != rec["f"]:
                raise unpaired(rec, label, number, inv is not None)
            ops += 1
            value = rec["value"]
            yield Operation(
                label,
                system,
                index,
                inv["index"],
                kind,
                rec["f"],
                rec["key"],
                rec["field"],
                rec["process"],
                rec["base_version"],
                rec["new_version"],
                inv["value"] if value is None else value,
                inv["fields"] if fields is None else fields,
                rec["idempotency_key"],
                rec["attempt"],
                rec["outcome"],
                mono,
                inv["mono_ns"],
                rec["time"],
            )
        except (KeyError, TypeError):
            diagnose(rec, label, number, expected, last_mono=last_mono, system=system)
            raise HistoryFormatError(
                f"{label}:{number}", "pairs with an invoke that lacks a key (docs/history.md)"
            ) from None
    for rec in pending.values():
        ops += 1
        yield _open_operation(label, rec, last_mono)
    stats.records[label] = count
    stats.operations[label] = ops
    stats.open_at_end[label] = len(pending)


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

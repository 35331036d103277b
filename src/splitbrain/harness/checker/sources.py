"""Where histories come from (``HistorySource``) and what reading them saw (``ReadStats``).

A source is a label (how witnesses name the file) and a way to open its lines afresh::

    HistorySource.from_path("out/crm.jsonl")                   # label "crm.jsonl"
    HistorySource.from_text("crm.jsonl", runtime.history.export_jsonl())
    HistorySource.from_records("crm.jsonl", [{"index": 0, ...}, ...])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

__all__ = ["HistorySource", "ReadStats"]


@dataclass(frozen=True, slots=True)
class HistorySource:
    """One history file: ``label`` names it in witnesses, ``lines`` opens it afresh."""

    label: str
    lines: Callable[[], Iterator[bytes | str]]
    path: Path | None = None
    """The file, when the source is one (a worker process can then read it itself)."""

    @classmethod
    def from_path(cls, path: str | Path, label: str | None = None) -> HistorySource:
        where = Path(path)
        return cls(label or where.name, lambda: _lines(where), where)

    @classmethod
    def from_text(cls, label: str, text: str) -> HistorySource:
        """An in-memory history, e.g. ``runtime.history.export_jsonl()``."""
        return cls(label, lambda: iter(text.splitlines()))

    @classmethod
    def from_records(cls, label: str, records: Iterable[dict[str, Any]]) -> HistorySource:
        """Records as dicts (tests, generators); they are serialized as a file would hold them."""
        rows = [orjson.dumps(record) for record in records]
        return cls(label, lambda: iter(rows))


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from handle


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

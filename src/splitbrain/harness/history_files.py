"""A run's histories as the checker reads them: in memory (``sources_of``) or on disk
(``save_histories``: one ``SYSTEM.jsonl`` per system, what ``splitbrain check`` reads)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from splitbrain.harness.checker import HistorySource
from splitbrain.harness.world import SYSTEMS

__all__ = ["save_histories", "sources_of"]


def sources_of(histories: Mapping[str, Iterable[Mapping[str, Any]]]) -> list[HistorySource]:
    """``{system: records}`` (``LiveRun.histories()``) as the checker's sources."""
    return [
        HistorySource.from_records(f"{system}.jsonl", [dict(r) for r in histories.get(system, [])])
        for system in SYSTEMS
    ]


def save_histories(
    histories: Mapping[str, Iterable[Mapping[str, Any]]], directory: Path
) -> list[Path]:
    """Write ``directory/SYSTEM.jsonl`` for each system; their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for system in SYSTEMS:
        path = directory / f"{system}.jsonl"
        rows = (orjson.dumps(dict(r)) + b"\n" for r in histories.get(system, []))
        path.write_bytes(b"".join(rows))
        paths.append(path)
    return paths

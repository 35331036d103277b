"""Read histories: JSONL files (one per system), validated, each invoke paired with its completion.

The format is docs/history.md (version 1). A file may open with a header record
``{"format": "splitbrain-history", "v": 1, "system": "crm"}``; a file without one (the
simulators' ``GET /_admin/history`` export) is read as version 1. Reading streams: memory holds
only the invokes still open and a chunk of operations per file::

    sources = [HistorySource.from_path(p) for p in ("ehr.jsonl", "crm.jsonl", "portal.jsonl")]
    for op in merged_operations(sources):      # every file at once, in completion-time order
        print(op.file, op.index, op.type, op.f, op.key)

Files are merged by ``mono_ns``, the one monotonic clock every simulator of a world shares
(they run in one process). An invoke with no completion by the end of its file becomes an
``info`` operation (outcome ``no_completion``): it may or may not have taken effect.

The work is done in ``pairing.py`` (one file) and ``merging.py`` (several files, in chunks);
``check()`` reads the chunks directly, or has worker processes read them (``workers.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from splitbrain.harness.checker.merging import merge_chunks
from splitbrain.harness.checker.model import Operation
from splitbrain.harness.checker.pairing import read_chunks
from splitbrain.harness.checker.record_checks import FORMAT, RECORD_KEYS, VERSION
from splitbrain.harness.checker.sources import HistorySource, ReadStats

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


def header(system: str) -> dict[str, Any]:
    """The header record a writer should put first in a file of ``system``'s history."""
    return {"format": FORMAT, "v": VERSION, "system": system}


def merged_operations(
    sources: Iterable[HistorySource], stats: ReadStats | None = None
) -> Iterator[Operation]:
    """The operations of every file, merged in completion order (``mono_ns``)."""
    for batch in merge_chunks([read_chunks(source, stats) for source in sources]):
        yield from batch


def read_operations(source: HistorySource, stats: ReadStats | None = None) -> Iterator[Operation]:
    """The operations of one file in completion order, invokes paired by ``op``."""
    for chunk in read_chunks(source, stats):
        yield from chunk

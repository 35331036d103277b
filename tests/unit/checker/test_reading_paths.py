"""The reading paths agree: chunked merge = heapq.merge, any chunk size, in a worker or here."""

from __future__ import annotations

import heapq
import itertools
import json
from operator import itemgetter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulators._shared.clock import SimClock
from simulators._shared.history import History, OpContext
from splitbrain.harness.checker import HistoryFormatError, HistorySource, check, header
from splitbrain.harness.checker.merging import merge_chunks
from splitbrain.harness.checker.model import MONO
from splitbrain.harness.checker.pairing import read_chunks
from splitbrain.harness.checker.sources import ReadStats
from splitbrain.harness.checker.workers import can_fork, worker_batches
from tests.unit.checker.scenario import telehealth

needs_fork = pytest.mark.skipif(not can_fork(), reason="worker processes start by fork")


def _row(stream: int, position: int, mono: int) -> tuple[Any, ...]:
    row: list[Any] = [stream, position, *([None] * 17)]
    row[MONO] = mono
    return tuple(row)


def _chunks(rows: list[tuple[Any, ...]], sizes: list[int]) -> list[list[tuple[Any, ...]]]:
    chunks, start = [], 0
    for size in itertools.cycle(sizes):
        if start >= len(rows):
            return chunks
        chunks.append(rows[start : start + size])
        start += size
    return chunks


streams = st.lists(
    st.tuples(
        st.lists(st.integers(0, 12), max_size=40).map(sorted),
        st.lists(st.integers(1, 7), min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=4,
)


@given(streams)
def test_chunked_merge_is_heapq_merge_with_ties_in_file_order(
    spec: list[tuple[list[int], list[int]]],
) -> None:
    files = [
        [_row(s, p, mono) for p, mono in enumerate(monos)] for s, (monos, _) in enumerate(spec)
    ]
    chunked = [iter(_chunks(rows, sizes)) for rows, (_, sizes) in zip(files, spec, strict=True)]

    merged = [row for batch in merge_chunks(chunked) for row in batch]

    assert merged == list(heapq.merge(*files, key=itemgetter(MONO)))


def _world(tmp_path: Path) -> list[HistorySource]:
    """Three files of one world: writes, reads, an unknown outcome and an invoke left open."""
    clock = SimClock()
    systems = {s: History(clock, system=s) for s in ("ehr", "crm", "portal")}
    engine = OpContext(process="engine", idempotency_key="k-1", attempt=1)
    for n in range(30):
        system = ("ehr", "crm", "portal")[n % 3]
        history = systems[system]
        op = history.invoke(engine, "write", f"Rec/r{n % 4}", base_version=str(n), fields={"x": n})
        if n % 7 == 0:
            history.info(op, outcome="timeout")
        elif n % 11 != 5:
            history.ok(op, new_version=str(n + 1))
    sources = []
    for system, history in systems.items():
        path = tmp_path / f"{system}.jsonl"
        path.write_text(json.dumps(header(system)) + "\n" + history.export_jsonl())
        sources.append(HistorySource.from_path(path))
    return sources


def test_chunk_size_changes_nothing(tmp_path: Path) -> None:
    sources = _world(tmp_path)
    whole, tiny = ReadStats(), ReadStats()

    one = [op for b in merge_chunks([read_chunks(s, whole) for s in sources]) for op in b]
    small = [op for b in merge_chunks([read_chunks(s, tiny, size=1) for s in sources]) for op in b]

    assert one == small and whole == tiny
    assert sum(whole.open_at_end.values()) > 0 and len(one) == 30


@needs_fork
def test_worker_reads_the_same_operations_and_stats(tmp_path: Path) -> None:
    sources = _world(tmp_path)
    here, there = ReadStats(), ReadStats()

    expected = [op for b in merge_chunks([read_chunks(s, here) for s in sources]) for op in b]
    received = [op for b in worker_batches(sources, there) for op in b]

    assert received == expected and there == here
    assert all(type(op) is type(expected[0]) for op in received)


@needs_fork
def test_worker_path_raises_the_exact_in_process_error(tmp_path: Path) -> None:
    sources = _world(tmp_path)
    broken = sources[1].path
    assert broken is not None
    broken.write_text(broken.read_text() + "{oops\n")

    with pytest.raises(HistoryFormatError, match=r"crm.jsonl:\d+: is not JSON"):
        check(sources, telehealth(), workers=1)


@needs_fork
def test_verdict_is_the_same_with_or_without_the_worker(tmp_path: Path) -> None:
    sources = _world(tmp_path)

    here = check(sources, telehealth(), workers=0)
    there = check(sources, telehealth(), workers=1)

    assert here.to_json()["anomalies"] == there.to_json()["anomalies"]
    assert here.files == there.files and here.revocation == there.revocation


def test_more_than_one_worker_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or 1 worker"):
        check([], telehealth(), workers=2)


@needs_fork
def test_worker_sends_a_record_with_an_unhashable_field_as_the_reader_read_it(
    tmp_path: Path,
) -> None:
    shared = {"time": "t", "system": "crm", "process": "engine", "f": "write",
              "key": "Contact/c1", "field": ["odd"], "base_version": None, "new_version": None,
              "value": None, "fields": None, "idempotency_key": None, "attempt": None,
              "outcome": None}  # fmt: skip
    records = [
        header("crm"),
        {**shared, "index": 0, "op": None, "mono_ns": 1, "type": "invoke"},
        {**shared, "index": 1, "op": 0, "mono_ns": 2, "type": "ok"},
    ]
    path = tmp_path / "crm.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    sources = [HistorySource.from_path(path)]

    here = [op for b in merge_chunks([read_chunks(s, ReadStats()) for s in sources]) for op in b]
    there = [op for b in worker_batches(sources, ReadStats()) for op in b]

    assert there == here and [op.field for op in there] == [["odd"]]

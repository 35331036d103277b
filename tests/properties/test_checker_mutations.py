"""The judge is judged: clean histories give no anomaly, each planted anomaly is found alone.

Histories come from a small model of the world and a correct engine
(``checker_histories.py``); a planter adds one story that breaks one rule. 1,000 clean and
1,000 planted histories (every code in turn) run on every CI run; a larger run is ``slow``.
Seeded loops: a failure names its seed, and ``generate(seed, code)`` replays it.

The reading paths are judged on the same corpus: the chunked reader against the reader as it
first was (a generator per file and ``heapq.merge``), and the worker process against reading
in-process.
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from operator import itemgetter
from typing import Any

import orjson
import pytest

from splitbrain.harness.checker import AnomalyCode, HistorySource, Verdict
from splitbrain.harness.checker.merging import merge_chunks
from splitbrain.harness.checker.model import MONO
from splitbrain.harness.checker.pairing import read_chunks
from splitbrain.harness.checker.sources import ReadStats
from splitbrain.harness.checker.workers import can_fork
from tests.properties.checker_histories import PLANTERS, History, generate

CLEAN = 1000
PLANTED = 1000


@functools.cache
def _generated(seed: int, code: AnomalyCode | None, steps: int) -> History:
    """``generate``, once per session: judging never changes a history."""
    return generate(seed, code, steps=steps)


def _witnesses_exist(history: History, verdict: Verdict) -> bool:
    sizes = {f"{s}.jsonl": len(h) for s, h in history.model.s.histories.items()}
    sizes["audit.jsonl"] = len(history.model.s.sut_keys) + 1
    return all(
        0 <= w.index < sizes[w.file] for a in verdict.anomalies for w in a.witnesses
    ) and all(a.witnesses for a in verdict.anomalies)


def _run_clean(seeds: range, steps: int) -> tuple[list[tuple[int, object]], Counter[str]]:
    failures: list[tuple[int, object]] = []
    reached: Counter[str] = Counter()
    for seed in seeds:
        history = _generated(seed, None, steps)
        verdict = history.check()
        if not verdict.ok:
            failures.append((seed, verdict.counts()))
        for system in history.model.s.histories.values():
            reached.update(f"{r['f']}:{r['type']}" for r in system.records() if r["op"] is not None)
        reached["revokes honored"] += verdict.revocation.honored
    return failures, reached


def _run_planted(seeds: range, steps: int) -> tuple[list[tuple[int, str, object]], Counter[str]]:
    failures: list[tuple[int, str, object]] = []
    found: Counter[str] = Counter()
    codes = itertools.cycle(PLANTERS)
    for seed, code in zip(seeds, codes, strict=False):
        history = _generated(seed, code, steps)
        verdict = history.check()
        if verdict.codes() != {code} or not _witnesses_exist(history, verdict):
            failures.append((seed, code.value, sorted(c.value for c in verdict.codes())))
        found[code.value] += code in verdict.codes()
    return failures, found


def test_planters_cover_every_anomaly_code() -> None:
    assert set(PLANTERS) == set(AnomalyCode)


def test_clean_histories_give_no_false_positive() -> None:
    failures, reached = _run_clean(range(CLEAN), steps=24)

    assert failures == [], f"false positives (seed, codes): {failures[:10]}"
    for story in ("merge:ok", "consent.revoke:ok", "consent.grant:ok", "send_message:fail",
                  "send_message:info", "notify:fail", "create:ok", "read:ok"):  # fmt: skip
        assert reached[story] > 0, f"the clean model never reached {story}"
    assert reached["revokes honored"] > 0


def test_every_planted_anomaly_is_found_and_nothing_else() -> None:
    failures, found = _run_planted(range(CLEAN, CLEAN + PLANTED), steps=24)

    assert failures == [], f"missed or extra (seed, planted, found): {failures[:10]}"
    assert set(found) == {code.value for code in AnomalyCode}
    assert min(found.values()) >= PLANTED // len(AnomalyCode)


@pytest.mark.slow
def test_longer_histories_stay_exact() -> None:
    clean, _ = _run_clean(range(10_000, 11_000), steps=80)
    planted, _ = _run_planted(range(20_000, 21_200), steps=80)

    assert clean == [] and planted == []


def _corpus(step: int) -> Iterator[History]:
    codes = list(PLANTERS)
    yield from (_generated(seed, None, 24) for seed in range(0, CLEAN, step))
    for seed in range(CLEAN, CLEAN + PLANTED, step):
        yield _generated(seed, codes[(seed - CLEAN) % len(codes)], 24)


def _reference(sources: list[HistorySource]) -> list[tuple[Any, ...]]:
    """The reader as it first was: one generator per file, paired by ``op``, ``heapq.merge``."""

    def one(source: HistorySource) -> Iterator[tuple[Any, ...]]:
        pending: dict[int, dict[str, Any]] = {}
        last = -1
        for line in source.lines():
            rec = orjson.loads(line)
            last = rec["mono_ns"]
            if rec["type"] == "invoke":
                pending[rec["index"]] = rec
                continue
            inv = pending.pop(rec["op"])
            value = inv["value"] if rec["value"] is None else rec["value"]
            fields = inv["fields"] if rec["fields"] is None else rec["fields"]
            yield (source.label, rec["system"], rec["index"], inv["index"], rec["type"], rec["f"],
                   rec["key"], rec["field"], rec["process"], rec["base_version"],
                   rec["new_version"], value, fields, rec["idempotency_key"], rec["attempt"],
                   rec["outcome"], rec["mono_ns"], inv["mono_ns"], rec["time"])  # fmt: skip
        for inv in pending.values():
            done = max(last, inv["mono_ns"])
            yield (source.label, inv["system"], inv["index"], inv["index"], "info", inv["f"],
                   inv["key"], inv["field"], inv["process"], inv["base_version"], None,
                   inv["value"], inv["fields"], inv["idempotency_key"], inv["attempt"],
                   "no_completion", done, inv["mono_ns"], inv["time"])  # fmt: skip

    return list(heapq.merge(*(one(s) for s in sources), key=itemgetter(MONO)))


def test_chunked_reader_reads_the_corpus_as_the_reference_reader() -> None:
    for history in _corpus(step=2):
        sources = history.model.s.sources()
        stats = ReadStats()

        chunks = [read_chunks(source, stats, size=3) for source in sources]
        read = [tuple(op) for batch in merge_chunks(chunks) for op in batch]

        assert read == _reference(sources), f"planted {history.planted}"


@pytest.mark.skipif(not can_fork(), reason="worker processes start by fork")
def test_worker_reader_judges_the_corpus_as_the_in_process_reader() -> None:
    judged = Counter[str]()
    for history in _corpus(step=23):  # 23 is prime to the 12 codes: every code comes up
        here = history.check(workers=0)
        there = history.check(workers=1)

        assert replace(there, seconds=0.0) == replace(here, seconds=0.0), history.planted
        judged.update(code.value for code in here.codes())

    assert set(judged) == {code.value for code in AnomalyCode}

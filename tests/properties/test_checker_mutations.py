"""The judge is judged: clean histories give no anomaly, each planted anomaly is found alone.

Histories come from a small model of the world and a correct engine
(``checker_histories.py``); a planter adds one story that breaks one rule. 1,000 clean and
1,000 planted histories (every code in turn) run on every CI run; a larger run is ``slow``.
Seeded loops: a failure names its seed, and ``generate(seed, code)`` replays it.
"""

from __future__ import annotations

import itertools
from collections import Counter

import pytest

from splitbrain.harness.checker import AnomalyCode, Verdict
from tests.properties.checker_histories import PLANTERS, History, generate

CLEAN = 1000
PLANTED = 1000


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
        history = generate(seed, steps=steps)
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
        history = generate(seed, code, steps=steps)
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

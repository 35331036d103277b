"""Expectation-maximisation of m (and optionally u) from unlabelled candidate pairs.

Input: comparison vectors of candidate pairs (level index per comparison, ``-1`` null), e.g.
every pair that shares a blocking key. Each round computes every pair's match probability
under the current model (E), then re-estimates each level's m (and u) as the
probability-weighted share of pairs at that level, and the prior as the mean probability (M).
Vectors are counted first, so a million pairs with a few thousand distinct vectors cost little.

By default u stays fixed: u is better estimated from random pairs (almost all non-matches,
:func:`estimate_u`), as Splink does; EM over blocked pairs then finds m and the prior.

>>> from splitbrain.engine.domain.identity.model import ComparisonModel, FellegiSunter, Level
>>> start = FellegiSunter(0.1, (ComparisonModel("x", (Level("exact", 0.6, 0.2),
...                                                    Level("else", 0.4, 0.8))),))
>>> fitted = expectation_maximisation([(0,)] * 30 + [(1,)] * 70, start, rounds=5)
>>> fitted.rounds <= 5
True
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from splitbrain.engine.domain.identity.comparisons import NULL
from splitbrain.engine.domain.identity.errors import ModelInvalid
from splitbrain.engine.domain.identity.model import ComparisonModel, FellegiSunter, Level

__all__ = ["EmResult", "estimate_u", "expectation_maximisation"]

_FLOOR = 1e-5


@dataclass(frozen=True, slots=True)
class EmResult:
    model: FellegiSunter
    rounds: int
    converged: bool
    pairs: int


def _clamp(p: float) -> float:
    return min(max(p, _FLOOR), 1.0 - _FLOOR)


def estimate_u(vectors: Iterable[Sequence[int]], model: FellegiSunter) -> FellegiSunter:
    """``model`` with u set to each level's share among ``vectors`` (random pairs)."""
    counts = _level_counts(Counter(tuple(v) for v in vectors), model, None)
    comparisons = tuple(
        replace(
            c,
            levels=tuple(
                replace(level, u=_clamp(n / total) if (total := sum(row)) else level.u)
                for level, n in zip(c.levels, row, strict=True)
            ),
        )
        for c, row in zip(model.comparisons, counts, strict=True)
    )
    return replace(model, comparisons=comparisons)


def expectation_maximisation(
    vectors: Iterable[Sequence[int]],
    start: FellegiSunter,
    *,
    rounds: int = 25,
    tolerance: float = 1e-4,
    fix_u: bool = True,
    frozen: Sequence[str] = (),
) -> EmResult:
    """Fit m (and u unless ``fix_u``) and the prior; ``frozen`` comparisons keep their m and u
    (those a blocking rule forced to agree say nothing about matches)."""
    counted = Counter(tuple(v) for v in vectors)
    if not counted:
        raise ModelInvalid("EM needs at least one candidate pair; the sample is empty")
    width = len(start.comparisons)
    if any(len(v) != width for v in counted):
        raise ModelInvalid(f"every comparison vector must have {width} levels")
    model, frozen_set = start, set(frozen)
    for done in range(1, rounds + 1):
        posterior = _expect(counted, model)
        updated = _maximise(counted, posterior, model, fix_u, frozen_set)
        change = _largest_change(model, updated)
        model = updated
        if change < tolerance:
            return EmResult(model, done, True, sum(counted.values()))
    return EmResult(model, rounds, False, sum(counted.values()))


def _expect(
    counted: Counter[tuple[int, ...]], model: FellegiSunter
) -> dict[tuple[int, ...], float]:
    prior = math.log2(model.prior / (1 - model.prior))
    weights = [c.weights() for c in model.comparisons]
    out: dict[tuple[int, ...], float] = {}
    for vector in counted:
        score = prior + sum(weights[i][lv] for i, lv in enumerate(vector) if lv != NULL)
        out[vector] = 1.0 if score > 60 else 0.0 if score < -60 else 1 / (1 + 2.0**-score)
    return out


def _level_counts(
    counted: Counter[tuple[int, ...]],
    model: FellegiSunter,
    weight: dict[tuple[int, ...], float] | None,
) -> list[list[float]]:
    rows = [[0.0] * len(c.levels) for c in model.comparisons]
    for vector, n in counted.items():
        w = n * (1.0 if weight is None else weight[vector])
        for i, level in enumerate(vector):
            if level != NULL:
                rows[i][level] += w
    return rows


def _maximise(
    counted: Counter[tuple[int, ...]],
    posterior: dict[tuple[int, ...], float],
    model: FellegiSunter,
    fix_u: bool,
    frozen: set[str],
) -> FellegiSunter:
    m_rows = _level_counts(counted, model, posterior)
    u_rows = _level_counts(counted, model, {v: 1.0 - p for v, p in posterior.items()})
    comparisons: list[ComparisonModel] = []
    for c, m_row, u_row in zip(model.comparisons, m_rows, u_rows, strict=True):
        if c.name in frozen:
            comparisons.append(c)
            continue
        m_total, u_total = sum(m_row), sum(u_row)
        levels = tuple(
            Level(
                level.label,
                _clamp(m_n / m_total) if m_total else level.m,
                level.u if fix_u or not u_total else _clamp(u_n / u_total),
            )
            for level, m_n, u_n in zip(c.levels, m_row, u_row, strict=True)
        )
        comparisons.append(replace(c, levels=levels))
    total = sum(counted.values())
    prior = _clamp(sum(posterior[v] * n for v, n in counted.items()) / total)
    return FellegiSunter(prior, tuple(comparisons))


def _largest_change(before: FellegiSunter, after: FellegiSunter) -> float:
    change = abs(before.prior - after.prior)
    for b, a in zip(before.comparisons, after.comparisons, strict=True):
        for lb, la in zip(b.levels, a.levels, strict=True):
            change = max(change, abs(lb.m - la.m), abs(lb.u - la.u))
    return change

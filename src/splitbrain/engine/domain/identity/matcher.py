"""Pure scoring of a record against given candidates: the same code for ingest and bulk dedupe.

``Matcher.match(record, candidates)`` scores every candidate record, keeps each person's best
record, bands the best scores, applies the high-band guards, the ambiguity rule (two or more
persons at high: no auto-link) and the eligibility gate, and returns a
:class:`~splitbrain.engine.domain.identity.decision.MatchDecision`. It never looks anything up:
the index chooses the candidates by blocking keys.

Example::

    matcher = Matcher(comparisons, model, thresholds, gate)
    decision = matcher.match(record, [(stored, "p-17"), (other, "p-40")])
    print(decision.text())
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from splitbrain.engine.domain.identity.bands import EligibilityGate, Guard, Thresholds
from splitbrain.engine.domain.identity.comparisons import NULL, Comparison
from splitbrain.engine.domain.identity.decision import Band, Candidate, MatchDecision
from splitbrain.engine.domain.identity.errors import ModelInvalid
from splitbrain.engine.domain.identity.explain import (
    Contribution,
    Explanation,
    ScoreBand,
    match_grade,
)
from splitbrain.engine.domain.identity.model import FellegiSunter
from splitbrain.engine.domain.identity.record import IdentityRecord

__all__ = ["Matcher", "ScoredRecord"]


class ScoredRecord:
    """One candidate record's score (before grouping by person)."""

    __slots__ = ("levels", "person_id", "record", "score")

    def __init__(
        self, record: IdentityRecord, person_id: str, score: float, levels: tuple[int, ...]
    ) -> None:
        self.record = record
        self.person_id = person_id
        self.score = score
        self.levels = levels


class Matcher:
    """Fellegi-Sunter scoring over a fixed set of comparisons."""

    __slots__ = (
        "_comparisons",
        "_guards",
        "_max_candidates",
        "_prior",
        "_tf",
        "_weights",
        "gate",
        "model",
        "thresholds",
    )

    def __init__(
        self,
        comparisons: Sequence[Comparison],
        model: FellegiSunter,
        thresholds: Thresholds,
        *,
        gate: EligibilityGate | None = None,
        guards: Sequence[Guard] = (),
        max_candidates: int = 10,
    ) -> None:
        _check_alignment(comparisons, model)
        names = [c.name for c in comparisons]
        missing = [n for g in guards for n in g.names() if n not in names]
        if missing:
            raise ModelInvalid(f"guards name no comparison {missing}; use some of {names}")
        self._comparisons = tuple(comparisons)
        self.model = model
        self.thresholds = thresholds
        self.gate = gate or EligibilityGate()
        self._guards = tuple(_compiled(g, comparisons) for g in guards)
        self._max_candidates = max_candidates
        self._prior = model.prior_weight
        self._weights = tuple(m.weights() for m in model.comparisons)
        self._tf = tuple(
            (c.tf_field, m)
            if c.tf_field is not None and (m.tf or m.tf_other is not None)
            else (None, m)
            for c, m in zip(comparisons, model.comparisons, strict=True)
        )

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        return self._comparisons

    def levels(self, left: IdentityRecord, right: IdentityRecord) -> tuple[int, ...]:
        """The comparison vector (level index per comparison, ``NULL`` = -1)."""
        return tuple(c.level(left, right) for c in self._comparisons)

    def score(self, left: IdentityRecord, right: IdentityRecord) -> float:
        """The pair's log2 odds (scrubbing placeholders first); symmetric."""
        clean = self.gate.scrub
        return self._score(clean(left), self.levels(clean(left), clean(right)))

    def _score(self, left: IdentityRecord, levels: tuple[int, ...]) -> float:
        total = self._prior
        for i, level in enumerate(levels):
            if level == NULL:
                continue
            if level == 0:
                tf_field, model = self._tf[i]
                if tf_field is not None:
                    adjusted = model.tf_weight(getattr(left, tf_field))
                    if adjusted is not None:
                        total += adjusted
                        continue
            total += self._weights[i][level]
        return total

    def band(self, score: float, levels: tuple[int, ...]) -> ScoreBand:
        """The score's band, capped at ``medium`` when the levels fit a guard's pattern."""
        band = self.thresholds.band(score)
        if band == "high" and any(_fits(levels, guard) for guard in self._guards):
            return "medium"
        return band

    def explain(self, left: IdentityRecord, right: IdentityRecord) -> Explanation:
        """The waterfall of one pair (the right-hand record's key is the candidate)."""
        clean = self.gate.scrub
        a, b = clean(left), clean(right)
        levels = self.levels(a, b)
        return self._explanation(a, b, levels, self._score(a, levels))

    def _explanation(
        self, left: IdentityRecord, right: IdentityRecord, levels: tuple[int, ...], total: float
    ) -> Explanation:
        parts: list[Contribution] = []
        for i, (comparison, level) in enumerate(zip(self._comparisons, levels, strict=True)):
            if level == NULL:
                parts.append(Contribution(comparison.name, "null", 0.0))
                continue
            weight, tf = self._weights[i][level], False
            tf_field, model = self._tf[i]
            if level == 0 and tf_field is not None:
                adjusted = model.tf_weight(getattr(left, tf_field))
                if adjusted is not None:
                    weight, tf = adjusted, True
            parts.append(Contribution(comparison.name, comparison.labels[level], weight, tf))
        return Explanation(
            self._prior, tuple(parts), total, self.band(total, levels), candidate=right.key
        )

    def scored(
        self,
        record: IdentityRecord,
        candidates: Iterable[tuple[IdentityRecord, str]],
        *,
        scrubbed: bool = False,
    ) -> list[ScoredRecord]:
        """Every candidate record's score against ``record`` (placeholders scrubbed).

        ``scrubbed``: the candidates were scrubbed already (an index keeps them so), so the hot
        loop skips it. The left record's values and term-frequency weights are read once, not
        once per candidate; the sum runs in the same order as :meth:`score` (same floats).
        """
        clean = self.gate.scrub
        left, own = clean(record), record.key
        plan = self._plan(left)
        steps = tuple(zip(self._weights, self._left_tf(left), strict=True))
        prior = self._prior
        out: list[ScoredRecord] = []
        append = out.append
        for stored, person_id in candidates:
            if stored.key == own:
                continue
            right = stored if scrubbed else clean(stored)
            levels = _levels(plan, left, right)
            total = prior
            for level, (weights, tf) in zip(levels, steps):  # noqa: B905 -- equal lengths
                if level == NULL:
                    continue
                total += tf if level == 0 and tf is not None else weights[level]
            append(ScoredRecord(right, person_id, total, levels))
        return out

    def _plan(self, left: IdentityRecord) -> list[_Step]:
        """Per comparison: (field, left's value, differing) for one-field comparisons, whose
        level the hot loop works out from the values; (None, None, comparison) otherwise."""
        plan: list[_Step] = []
        for c in self._comparisons:
            if c.single_field:
                plan.append((c.field, getattr(left, c.field), c.differing))
            else:
                plan.append((None, None, c))
        return plan

    def _left_tf(self, left: IdentityRecord) -> list[float | None]:
        """Per comparison: the exact-agreement weight adjusted for ``left``'s value, or None."""
        out: list[float | None] = []
        for tf_field, model in self._tf:
            out.append(None if tf_field is None else model.tf_weight(getattr(left, tf_field)))
        return out

    def match(
        self,
        record: IdentityRecord,
        candidates: Iterable[tuple[IdentityRecord, str]],
        *,
        scrubbed: bool = False,
    ) -> MatchDecision:
        """The decision for ``record`` among ``candidates`` (stored record, its person id)."""
        return self.decide(record, self.scored(record, candidates, scrubbed=scrubbed))

    def decide(self, record: IdentityRecord, scored: Sequence[ScoredRecord]) -> MatchDecision:
        """Group scored records by person (best record each) and decide the band."""
        best: dict[str, ScoredRecord] = {}
        for s in scored:
            held = best.get(s.person_id)
            if held is None or (s.score, s.record.key) > (held.score, held.record.key):
                best[s.person_id] = s
        ranked = sorted(best.values(), key=lambda s: (-s.score, s.person_id))
        bands: list[ScoreBand] = []  # of the persons above "none": a prefix of ranked, since
        for s in ranked:  # the band falls with the score (a guard only turns high to medium)
            score_band = self.band(s.score, s.levels)
            if score_band == "none":
                break
            bands.append(score_band)
        keep = list(range(min(len(bands), self._max_candidates)))
        if not keep and ranked:
            keep = [0]  # the best candidate explains even a "none"
        left = self.gate.scrub(record)
        candidates = tuple(
            Candidate(
                ranked[i].person_id,
                ranked[i].score,
                self._explanation(left, ranked[i].record, ranked[i].levels, ranked[i].score),
            )
            for i in keep
        )
        highs = tuple(ranked[i].person_id for i, b in enumerate(bands) if b == "high")
        reasons = self.gate.reasons(record)
        top: ScoreBand = bands[0] if bands else "none"
        band: Band = "ambiguous" if len(highs) > 1 else "ineligible" if reasons else top
        return MatchDecision(
            record=record,
            band=band,
            person_id=ranked[0].person_id if ranked else None,
            candidates=candidates,
            match_grade=match_grade(band, top),
            possible_duplicates=highs if band == "ambiguous" else (),
            ineligible_reasons=reasons,
        )


_Step = tuple[str | None, str | None, Any]
"""(field, left value, ``differing``) or (None, None, the comparison): see ``Matcher._plan``."""


def _levels(plan: list[_Step], left: IdentityRecord, right: IdentityRecord) -> tuple[int, ...]:
    """The comparison vector, as ``Comparison.level`` gives it, with one call per differing
    value instead of two attribute reads and a call per comparison."""
    out: list[int] = []
    for field, a, how in plan:
        if field is None:
            out.append(how.level(left, right))
            continue
        b = getattr(right, field)
        if a is None or b is None:
            out.append(NULL)
        elif a == b:
            out.append(0)
        else:
            out.append(how(a, b))
    return tuple(out)


_CompiledGuard = tuple[
    tuple[tuple[int, int], ...],  # disagree: (comparison, its else level)
    tuple[tuple[int, int], ...],  # agree: (comparison, its else level)
    tuple[tuple[int, frozenset[int]], ...],  # differ: (comparison, its same-name levels)
    tuple[int, ...],  # unless_exact: comparisons
]


def _compiled(guard: Guard, comparisons: Sequence[Comparison]) -> _CompiledGuard:
    index = {c.name: i for i, c in enumerate(comparisons)}

    def last(name: str) -> tuple[int, int]:
        return index[name], len(comparisons[index[name]].labels) - 1

    def same(name: str) -> tuple[int, frozenset[int]]:
        labels = comparisons[index[name]].labels
        return index[name], frozenset(i for i, lb in enumerate(labels) if lb in _SAME)

    return (
        tuple(last(n) for n in guard.disagree),
        tuple(last(n) for n in guard.agree),
        tuple(same(n) for n in guard.differ),
        tuple(index[n] for n in guard.unless_exact),
    )


_SAME = frozenset({"exact", "nickname"})


def _fits(levels: tuple[int, ...], guard: _CompiledGuard) -> bool:
    disagree, agree, differ, unless = guard
    return (
        all(levels[i] == last for i, last in disagree)
        and all(NULL != levels[i] != last for i, last in agree)
        and all(levels[i] != NULL and levels[i] not in same for i, same in differ)
        and not any(levels[i] == 0 for i in unless)
    )


def _check_alignment(comparisons: Sequence[Comparison], model: FellegiSunter) -> None:
    if len(comparisons) != len(model.comparisons):
        raise ModelInvalid(
            f"{len(comparisons)} comparisons but the model has {len(model.comparisons)}; "
            "give m and u for every comparison"
        )
    for c, m in zip(comparisons, model.comparisons, strict=True):
        if c.name != m.name or c.labels != m.labels:
            raise ModelInvalid(
                f"comparison {c.name!r} has levels {list(c.labels)} but the model gives "
                f"{m.name!r} levels {list(m.labels)}; give m and u for exactly these levels"
            )

"""A deterministic identity index for linkage tests: simple rules, not the real matcher.

Against every held record of another person, the incoming record scores

- ``high`` when both carry the same ``identifier``;
- ``medium`` when they share a ``phone``;
- ``low`` when they share an ``email``;

and each person takes its best record's band. Two or more persons at high make the record
``ambiguous``; a record with none of identifier, phone or email is ``ineligible``. So a test
chooses the band by choosing which values a record shares, and the rules are easy to model.
"""

from __future__ import annotations

from collections.abc import Callable

from splitbrain.engine.domain.identity.decision import Band, Candidate, MatchDecision
from splitbrain.engine.domain.identity.errors import DuplicateRecord, UnknownRecord
from splitbrain.engine.domain.identity.explain import (
    Contribution,
    Explanation,
    ScoreBand,
    match_grade,
)
from splitbrain.engine.domain.identity.ports import IdentityIndex
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey

_RULES: tuple[tuple[str, ScoreBand, float], ...] = (
    ("identifier", "high", 20.0),
    ("phone", "medium", 5.0),
    ("email", "low", 0.5),
)


class FakeIdentityIndex(IdentityIndex):
    def __init__(self) -> None:
        self._records: dict[RecordKey, tuple[IdentityRecord, str]] = {}

    def match(self, record: IdentityRecord) -> MatchDecision:
        best: dict[str, Candidate] = {}
        for key, (held, person) in self._records.items():
            if key == record.key:
                continue
            candidate = _score(record, held, person)
            if candidate is not None and (
                person not in best or candidate.score > best[person].score
            ):
                best[person] = candidate
        ranked = tuple(sorted(best.values(), key=lambda c: (-c.score, c.person_id)))
        return _decide(record, ranked)

    def insert(self, record: IdentityRecord, person_id: str) -> None:
        if record.key in self._records:
            raise DuplicateRecord(f"record {record.key} is already filed")
        self._records[record.key] = (record, person_id)

    def match_and_insert(
        self, record: IdentityRecord, new_person_id: Callable[[], str]
    ) -> MatchDecision:
        decision = self.match(record)
        person = decision.person_id if decision.links else None
        assigned = person if person is not None else new_person_id()
        self.insert(record, assigned)
        return decision.assigned(assigned)

    def remove(self, record_key: RecordKey) -> None:
        if self._records.pop(record_key, None) is None:
            raise UnknownRecord(f"record {record_key} is not filed")

    def move(self, record_key: RecordKey, person_id: str) -> None:
        if record_key not in self._records:
            raise UnknownRecord(f"record {record_key} is not filed")
        self._records[record_key] = (self._records[record_key][0], person_id)

    def get(self, record_key: RecordKey) -> IdentityRecord | None:
        held = self._records.get(record_key)
        return None if held is None else held[0]

    def person_of(self, record_key: RecordKey) -> str | None:
        held = self._records.get(record_key)
        return None if held is None else held[1]

    def records_of(self, person_id: str) -> tuple[RecordKey, ...]:
        return tuple(sorted(k for k, (_, p) in self._records.items() if p == person_id))

    def __len__(self) -> int:
        return len(self._records)


def _score(record: IdentityRecord, held: IdentityRecord, person: str) -> Candidate | None:
    for field, band, weight in _RULES:
        value = record.value(field)
        if value is not None and value == held.value(field):
            contribution = Contribution(field, "exact", weight)
            explanation = Explanation(0.0, (contribution,), weight, band, held.key)
            return Candidate(person, weight, explanation)
    return None


def _decide(record: IdentityRecord, ranked: tuple[Candidate, ...]) -> MatchDecision:
    if not any(record.value(field) for field, _band, _w in _RULES):
        band: Band = "ineligible"
        reasons: tuple[str, ...] = ("too_little_identity_data",)
        best = ranked[0].person_id if ranked else None
        grade = match_grade("ineligible", ranked[0].explanation.band if ranked else None)
        return MatchDecision(record, band, best, ranked, grade, ineligible_reasons=reasons)
    high = tuple(c.person_id for c in ranked if c.explanation.band == "high")
    if len(high) > 1:
        return MatchDecision(record, "ambiguous", high[0], ranked, match_grade("ambiguous"),
                             possible_duplicates=high)  # fmt: skip
    if not ranked:
        return MatchDecision(record, "none", None, (), match_grade("none"))
    top = ranked[0]
    score_band = top.explanation.band
    return MatchDecision(record, score_band, top.person_id, ranked, match_grade(score_band))

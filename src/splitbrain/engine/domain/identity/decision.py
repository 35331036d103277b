"""The matcher's answer for one incoming record (DESIGN §5).

Bands: ``high`` links to the existing person (the create is blocked); ``medium`` creates a
provisional person and opens a merge-review item; ``low`` creates with a review tag; ``none``
creates. Two more outcomes are never auto-linked: ``ambiguous`` (two or more persons match at
high: queue the record and flag those persons as possible duplicates of each other) and
``ineligible`` (too little identity data, or a placeholder identity, to auto-link).

These are outcomes, not errors (STYLE §3): a caller turns them into events.

>>> d = MatchDecision(record=IdentityRecord("crm", "c-9"), band="none", person_id=None,
...                   candidates=(), match_grade="certainly-not")
>>> d.links, d.needs_review
(False, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from splitbrain.engine.domain.identity.explain import Explanation, MatchGrade, ScoreBand
from splitbrain.engine.domain.identity.record import IdentityRecord

__all__ = ["BANDS", "Band", "Candidate", "MatchDecision"]

Band = Literal["high", "medium", "low", "none", "ambiguous", "ineligible"]
BANDS: tuple[Band, ...] = ("high", "medium", "low", "none", "ambiguous", "ineligible")


class Candidate(NamedTuple):
    """One existing person and the score of its best-matching record against the new one."""

    person_id: str
    score: float
    explanation: Explanation


@dataclass(frozen=True, slots=True)
class MatchDecision:
    """What the index decided for ``record``.

    ``person_id`` is the best candidate's person (``None`` without candidates); only ``high``
    links to it. ``candidates`` has one entry per person, best first. ``possible_duplicates``
    names the persons an ``ambiguous`` record matched at high; ``ineligible_reasons`` says why
    the gate refused (``too_little_identity_data``, ``placeholder_given``, ...).
    ``assigned_person_id`` is set by ``match_and_insert``: the person the record was filed under.
    """

    record: IdentityRecord
    band: Band
    person_id: str | None
    candidates: tuple[Candidate, ...]
    match_grade: MatchGrade
    possible_duplicates: tuple[str, ...] = ()
    ineligible_reasons: tuple[str, ...] = ()
    assigned_person_id: str | None = None

    @property
    def links(self) -> bool:
        """The record joins ``person_id``: no new person is created."""
        return self.band == "high"

    @property
    def needs_review(self) -> bool:
        """A merge-review item is due (medium, or ambiguous)."""
        return self.band in ("medium", "ambiguous")

    @property
    def score(self) -> float | None:
        return self.candidates[0].score if self.candidates else None

    @property
    def score_band(self) -> ScoreBand:
        """The band of the best score alone, before the gate and the ambiguity rule."""
        return self.candidates[0].explanation.band if self.candidates else "none"

    @property
    def explanation(self) -> Explanation | None:
        return self.candidates[0].explanation if self.candidates else None

    def assigned(self, person_id: str) -> MatchDecision:
        """This decision, filed under ``person_id``."""
        return MatchDecision(  # the constructor: dataclasses.replace is slow on the hot path
            self.record,
            self.band,
            self.person_id,
            self.candidates,
            self.match_grade,
            self.possible_duplicates,
            self.ineligible_reasons,
            person_id,
        )

    def text(self) -> str:
        """The decision in words, then the best candidate's waterfall; no PHI values."""
        head = f"record {self.record.key}: band {self.band} (match-grade {self.match_grade})"
        if self.person_id is not None:
            head += f", best candidate {self.person_id}"
        if self.possible_duplicates:
            head += f"; possible duplicates of each other: {', '.join(self.possible_duplicates)}"
        if self.ineligible_reasons:
            head += f"; not auto-linked: {', '.join(self.ineligible_reasons)}"
        best = self.explanation
        return head if best is None else f"{head}\n{best.text()}"

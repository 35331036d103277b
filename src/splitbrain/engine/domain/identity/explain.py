"""Why a pair scored what it scored: each comparison's level and weight, the total, the band.

Weights are log2 Bayes factors (Fellegi-Sunter match weights, as Splink shows them): the score
is the prior's log2 odds plus every comparison's weight, so a reader can add the waterfall up by
hand. The FHIR ``match-grade`` extension (Patient/$match) grades the band for audit events.

>>> e = Explanation(prior=-10.0, contributions=(Contribution("phone", "exact", 12.5),),
...                 total=2.5, band="medium")
>>> print(e.text())
prior                         -10.00
phone          exact          +12.50
total                          +2.50  band medium (probability 0.850)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from splitbrain.engine.domain.identity.record import RecordKey

__all__ = [
    "MATCH_GRADES",
    "Contribution",
    "Explanation",
    "MatchGrade",
    "ScoreBand",
    "match_grade",
    "probability",
]

ScoreBand = Literal["high", "medium", "low", "none"]
MatchGrade = Literal["certain", "probable", "possible", "certainly-not"]

MATCH_GRADES: dict[str, MatchGrade] = {
    "high": "certain",
    "medium": "probable",
    "low": "possible",
    "none": "certainly-not",
    "ambiguous": "probable",
}
"""Band -> FHIR match-grade. ``ambiguous`` (two persons match at high) is ``probable``: it
needs a person to decide. ``ineligible`` grades by its score band, never above ``probable``."""


def match_grade(band: str, score_band: ScoreBand | None = None) -> MatchGrade:
    """The FHIR match-grade of a decision band (``ineligible`` uses its ``score_band``)."""
    if band == "ineligible":
        grade = MATCH_GRADES[score_band or "none"]
        return "probable" if grade == "certain" else grade
    return MATCH_GRADES[band]


def probability(score: float) -> float:
    """The match probability of a log2-odds score."""
    if score > 60:
        return 1.0
    if score < -60:
        return 0.0
    odds: float = 2.0**score
    return odds / (1.0 + odds)


@dataclass(frozen=True, slots=True)
class Contribution:
    """One comparison's part: the level it reached and the weight that level adds."""

    comparison: str
    level: str
    weight: float
    tf_adjusted: bool = False


@dataclass(frozen=True, slots=True)
class Explanation:
    """The waterfall of one pair: prior, contributions (in comparison order), total, band."""

    prior: float
    contributions: tuple[Contribution, ...]
    total: float
    band: ScoreBand
    candidate: RecordKey | None = None

    @property
    def probability(self) -> float:
        return probability(self.total)

    @property
    def match_grade(self) -> MatchGrade:
        return MATCH_GRADES[self.band]

    def levels(self) -> dict[str, str]:
        """The comparison vector: comparison name -> level label."""
        return {c.comparison: c.level for c in self.contributions}

    def text(self) -> str:
        """A plain-text waterfall; names levels and weights, never a compared value."""
        lines = [f"{'prior':<29}{self.prior:+7.2f}"]
        for c in self.contributions:
            tf = " (tf)" if c.tf_adjusted else ""
            lines.append(f"{c.comparison:<14} {c.level + tf:<14}{c.weight:+7.2f}")
        lines.append(
            f"{'total':<29}{self.total:+7.2f}  band {self.band} "
            f"(probability {self.probability:.3f})"
        )
        return "\n".join(lines)

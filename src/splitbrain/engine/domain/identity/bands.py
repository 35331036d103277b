"""Scores into bands, guards on auto-linking, and the eligibility gate.

Thresholds are log2 odds (the score's unit). ``score >= high`` is ``high`` (links), ``>= medium``
is ``medium`` (provisional person + merge review), ``>= low`` is ``low`` (create with a review
tag), below is ``none``. The tie rule says which band a score exactly on a threshold takes:
``lower`` (the default: never auto-link on a tie) or ``upper``.

Guards: a pair that fits a guard's pattern never links, whatever its score; it is capped at
``medium``. A pattern names comparisons that ``disagree`` outright (their ``else`` level),
that ``differ`` (present, but neither ``exact`` nor ``nickname``), that ``agree`` (any level
but ``else`` and null), and ``unless_exact`` comparisons whose exact agreement lifts the guard.
Twins share family name, birthday, phone and address, but never the given name, and each has
an email of their own: ``Guard("relatives", differ=("given",), agree=("family",),
unless_exact=("email", "identifier"))`` keeps Ana and Ada apart, while a name written in
another script (both names differ) can still link on everything else.

The gate refuses auto-linking for records with too little identity data or a placeholder
identity ("Unknown", "Test Patient", 1900-01-01, 555-0100...); placeholder values are also
scrubbed to ``None`` before comparing or blocking, so two "Unknown" records never agree.

>>> Thresholds(high=10, medium=4, low=0).band(10.0)
'medium'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from splitbrain.engine.domain.identity.errors import ModelInvalid
from splitbrain.engine.domain.identity.explain import ScoreBand
from splitbrain.engine.domain.identity.record import IDENTITY_FIELDS, IdentityRecord

__all__ = ["EligibilityGate", "Guard", "Placeholders", "Thresholds"]

TieRule = Literal["lower", "upper"]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The band cut points (log2 odds) and the tie rule."""

    high: float
    medium: float
    low: float
    on_threshold: TieRule = "lower"

    def __post_init__(self) -> None:
        if not self.high > self.medium > self.low:
            raise ModelInvalid("thresholds must satisfy high > medium > low; fix the config")

    def band(self, score: float) -> ScoreBand:
        if self.on_threshold == "upper":
            return (
                "high"
                if score >= self.high
                else "medium"
                if score >= self.medium
                else "low"
                if score >= self.low
                else "none"
            )
        return (
            "high"
            if score > self.high
            else "medium"
            if score > self.medium
            else "low"
            if score > self.low
            else "none"
        )


@dataclass(frozen=True, slots=True)
class Guard:
    """A pattern of comparison levels that must not auto-link (see the module docstring)."""

    name: str
    disagree: tuple[str, ...] = ()
    agree: tuple[str, ...] = ()
    differ: tuple[str, ...] = ()
    unless_exact: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (self.disagree or self.agree or self.differ):
            raise ModelInvalid(
                f"guard {self.name!r} names no comparison; give disagree, differ or agree"
            )

    def names(self) -> tuple[str, ...]:
        return (*self.disagree, *self.agree, *self.differ, *self.unless_exact)


@dataclass(frozen=True, slots=True)
class Placeholders:
    """Values that identify nobody, per field (normalized), and whole names (``given family``)."""

    values: Mapping[str, frozenset[str]] = field(default_factory=dict)
    names: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        unknown = set(self.values) - set(IDENTITY_FIELDS)
        if unknown:
            raise ModelInvalid(
                f"placeholders name unknown fields {sorted(unknown)}; use {IDENTITY_FIELDS}"
            )

    def fields_of(self, record: IdentityRecord) -> tuple[str, ...]:
        """The fields of ``record`` that hold a placeholder (``name`` for a whole name)."""
        found = [f for f, values in self.values.items() if values and getattr(record, f) in values]
        given, family = record.given, record.family
        if given is not None and family is not None and f"{given} {family}" in self.names:
            found.append("name")
        return tuple(found)


@dataclass(frozen=True, slots=True)
class EligibilityGate:
    """Who may be auto-linked: enough evidence, no placeholder identity.

    Evidence counts one each for: identifier, full name (given and family), date of birth,
    phone, email, address (line and postcode). A record needs ``min_evidence`` of them, and
    at least one of ``required_any`` (by default a date of birth, phone, email or identifier).
    """

    placeholders: Placeholders = field(default_factory=Placeholders)
    min_evidence: int = 2
    required_any: tuple[str, ...] = ("identifier", "date_of_birth", "phone", "email")

    def scrub(self, record: IdentityRecord) -> IdentityRecord:
        """``record`` with placeholder values set to ``None`` (the same object if none)."""
        found = self.placeholders.fields_of(record)
        if not found:
            return record
        cleared = {f for f in found if f != "name"}
        if "name" in found:
            cleared |= {"given", "family"}
        values = {f: None if f in cleared else getattr(record, f) for f in IDENTITY_FIELDS}
        return IdentityRecord(record.source_system, record.source_record_id, **values)

    def reasons(self, record: IdentityRecord) -> tuple[str, ...]:
        """Why ``record`` may not be auto-linked (empty: it may)."""
        reasons = [f"placeholder_{f}" for f in self.placeholders.fields_of(record)]
        clean = self.scrub(record)
        if _evidence(clean) < self.min_evidence or not any(
            getattr(clean, f) is not None for f in self.required_any
        ):
            reasons.append("too_little_identity_data")
        return tuple(reasons)


def _evidence(record: IdentityRecord) -> int:
    pieces: Iterable[bool] = (
        record.identifier is not None,
        record.given is not None and record.family is not None,
        record.date_of_birth is not None,
        record.phone is not None,
        record.email is not None,
        record.address_line is not None and record.postcode is not None,
    )
    return sum(pieces)

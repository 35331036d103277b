"""Lint findings and the catalog of codes they carry.

Codes are stable: a code keeps its meaning for good, and a retired code is never reused. The
catalog (``CODES``) is the one list the linter, its docs and its tests read.

Example::

    Finding(code="SB102", field="legal_name", path="fields.legal_name.owner", line=41,
            message="no owner at stage in_care", fix="add an owner span covering in_care")
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Code:
    """One lint code: its stable ``code``, a short ``slug``, its severity and what it catches."""

    code: str
    slug: str
    severity: Severity
    summary: str


CODES: dict[str, Code] = {
    code.code: code
    for code in (
        Code(
            "SB101",
            "two-writers-no-stage-rule",
            Severity.ERROR,
            "two systems write the field at the same stages and only ownership settles a "
            "conflict between them (conflict risk)",
        ),
        Code(
            "SB102",
            "stage-gap",
            Severity.ERROR,
            "a stage where no system owns the field, or an owner span that covers no stage",
        ),
        Code("SB103", "stage-overlap", Severity.ERROR, "two owner spans cover the same stage"),
        Code(
            "SB104",
            "unknown-system",
            Severity.ERROR,
            "a system that the matrix does not declare (owner, secondary writer, enum table, "
            "sync direction)",
        ),
        Code(
            "SB105",
            "unknown-role",
            Severity.ERROR,
            "a role that the matrix does not declare (owner_roles, secondary writer)",
        ),
        Code(
            "SB106",
            "unknown-stage",
            Severity.ERROR,
            "a stage that the matrix does not declare (owner span, secondary writer)",
        ),
        Code(
            "SB107",
            "bidirectional-without-version-check",
            Severity.ERROR,
            "bidirectional sync that cannot reject a stale write",
        ),
        Code(
            "SB108",
            "restricted-field-reaches-crm",
            Severity.ERROR,
            "a phi_restricted or highly_restricted field owned in, written from, or synced "
            "to the CRM",
        ),
        Code(
            "SB109",
            "unmapped-enum-value",
            Severity.ERROR,
            "a local value mapped to a non-canonical value, or a canonical value a system that "
            "writes or receives the field cannot express",
        ),
        Code(
            "SB110",
            "undecidable-conflict-rule",
            Severity.ERROR,
            "the conflict rules cannot decide between two writers the row allows (the row is "
            "incomplete)",
        ),
        Code(
            "SB111",
            "immutable-contradicted",
            Severity.ERROR,
            "immutable_outside_owner, yet a secondary writer outside the owner system is allowed",
        ),
        Code(
            "SB112",
            "escalation-owner-not-role",
            Severity.ERROR,
            "the escalation owner is not a declared role",
        ),
        Code(
            "SB113",
            "unknown-enum-table",
            Severity.ERROR,
            "an enum field names an enum table the matrix does not declare",
        ),
        Code(
            "SB114",
            "bad-value-limit",
            Severity.ERROR,
            "a secondary writer limited to values that are not canonical values of the field",
        ),
        Code(
            "SB115",
            "stage-field-mismatch",
            Severity.ERROR,
            "the stage field is missing, not an enum, or its canonical values are not the "
            "stages in order",
        ),
        Code(
            "SB116",
            "unsynced-writer",
            Severity.ERROR,
            "a system writes the field but the sync direction never carries its writes to the "
            "other copies (the copies fork)",
        ),
        Code(
            "SB117",
            "unprotected-critical-field",
            Severity.WARNING,
            "a critical field that an automation may write, or that could be "
            "immutable_outside_owner at no cost and is not",
        ),
        Code("SB118", "missing-description", Severity.WARNING, "a field without a description"),
        Code(
            "SB119",
            "highly-restricted-leaves-owner",
            Severity.WARNING,
            "a highly_restricted field synced out of its owner system",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint finding: what is wrong, where (``path``, ``line``) and how to fix it."""

    code: str
    field: str | None
    path: str
    message: str
    fix: str
    line: int | None = None

    @property
    def severity(self) -> Severity:
        return CODES[self.code].severity

    @property
    def slug(self) -> str:
        return CODES[self.code].slug

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def where(self) -> str:
        """``legal_name`` for a field's finding, else the YAML path."""
        return self.field or self.path

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "slug": self.slug,
            "severity": self.severity.value,
            "field": self.field,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "fix": self.fix,
        }

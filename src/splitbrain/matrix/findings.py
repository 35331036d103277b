"""Lint findings and the catalog of codes they carry.

Codes are stable: a code keeps its meaning for good, and a retired code is never reused. The
catalog (``CODES`` for the matrix, ``PATH_CODES`` for its disclosure paths file) is the one
list the linter, its docs and its tests read.

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


PATH_CODES: dict[str, Code] = {
    code.code: code
    for code in (
        Code(
            "SB201",
            "restricted-field-untransformed-to-crm",
            Severity.ERROR,
            "a phi_restricted or highly_restricted field on a path to the CRM without a "
            "tokenize, summarize or drop transform",
        ),
        Code(
            "SB202",
            "consent-not-required",
            Severity.ERROR,
            "a path whose purpose needs the person's consent does not require consent for it",
        ),
        Code("SB203", "unknown-field", Severity.ERROR, "a field the matrix does not list"),
        Code(
            "SB204",
            "unknown-path-system",
            Severity.ERROR,
            "a source, destination or audit location the matrix does not declare",
        ),
        Code(
            "SB205",
            "transform-on-unallowed-field",
            Severity.ERROR,
            "a transform for a field that is not among the path's allowed fields",
        ),
        Code(
            "SB206",
            "unknown-purpose",
            Severity.ERROR,
            "a purpose or consent purpose that is not a known HL7 v3 ActReason code",
        ),
        Code(
            "SB207",
            "raw-value-beyond-sync",
            Severity.ERROR,
            "a field passes raw on a path the matrix's sync direction does not carry it on, "
            "or where the matrix sends only a summary",
        ),
        Code(
            "SB208",
            "crm-subject-not-tokenized",
            Severity.ERROR,
            "a path to the CRM names the person by an identifier, not a correlating token",
        ),
        Code(
            "SB209",
            "duplicate-path",
            Severity.ERROR,
            "two paths for one (source, destination, purpose)",
        ),
        Code(
            "SB210",
            "paths-for-another-matrix",
            Severity.ERROR,
            "the paths file names another matrix than the one it is linted with",
        ),
        Code("SB211", "path-without-description", Severity.WARNING, "a path without a description"),
    )
}
"""Codes of the disclosure paths file (``<matrix>.paths.yaml``), linted with the matrix. They
take the SB2xx block so that a new matrix code (SB1xx, contiguous) never collides with one."""


def code_info(code: str) -> Code:
    """The catalog entry of a matrix (SB1xx) or paths (SB2xx) code."""
    return CODES[code] if code in CODES else PATH_CODES[code]


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
        return code_info(self.code).severity

    @property
    def slug(self) -> str:
        return code_info(self.code).slug

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

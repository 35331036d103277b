"""How the matrix names things for people: systems, roles, fields, directions, rules, SLAs.

Example::

    system_label(matrix, "ehr")          # -> "EHR"
    role_label(matrix, "clinical_ops")   # -> "clinical ops"
    sla_text(timedelta(hours=4))         # -> "4 hours"
"""

from __future__ import annotations

from datetime import timedelta

from splitbrain.matrix.model import Matrix
from splitbrain.matrix.vocabulary import ConflictRule, SyncDirection

Sync = SyncDirection
Rule = ConflictRule

SYNC_LABEL = {
    Sync.READ_ONLY: "Read-only: stays in the owner system",
    Sync.EHR_TO_CRM: "EHR to CRM",
    Sync.EHR_TO_CRM_SUMMARY: "EHR to CRM, summary only",
    Sync.CRM_TO_EHR: "CRM to EHR",
    Sync.CRM_TO_EHR_SUMMARY: "CRM to EHR, summary only",
    Sync.PORTAL_TO_CRM: "Portal to CRM",
    Sync.PORTAL_TO_EHR: "Portal to EHR",
    Sync.PORTAL_TO_ALL: "Portal to every system",
    Sync.BIDIRECTIONAL: "Bidirectional, no version check",
    Sync.BIDIRECTIONAL_BY_STAGE: "Bidirectional by stage",
    Sync.BIDIRECTIONAL_WITH_VERSION_CHECK: "Bidirectional with version check",
}

RULE_LABEL = {
    Rule.OWNER_AUTHORITATIVE: "Owner is authoritative",
    Rule.STAGE_OWNER_WINS: "Stage owner wins",
    Rule.PROVIDER_VERIFIED_OVERRIDES: "Provider-verified update overrides",
    Rule.MOST_RECENT_VALIDATED: "Most recent validated event",
    Rule.MOST_RECENT_PATIENT_CONFIRMED: "Most recent patient-confirmed value",
    Rule.PRECEDENCE_LADDER: "Precedence ladder",
    Rule.MANUAL_REVIEW: "Manual review",
}

_SLA_UNITS = (
    ("week", timedelta(weeks=1)),
    ("day", timedelta(days=1)),
    ("hour", timedelta(hours=1)),
    ("minute", timedelta(minutes=1)),
)


def system_label(matrix: Matrix, name: str) -> str:
    """``EHR``; a system without a label reads as its upper-cased name."""
    spec = matrix.systems.get(name)
    return spec.label if spec is not None and spec.label else name.upper()


def role_label(matrix: Matrix, name: str) -> str:
    """``clinical ops``; a role without a label reads as its name with spaces."""
    spec = matrix.roles.get(name)
    return spec.label if spec is not None and spec.label else name.replace("_", " ")


def field_label(matrix: Matrix, name: str) -> str:
    """``Patient legal name``; a field without a label reads as its name, capitalized."""
    spec = matrix.fields.get(name)
    return spec.label if spec is not None and spec.label else name.replace("_", " ").capitalize()


def sla_text(sla: timedelta, *, short: bool = False) -> str:
    """``4h`` (short) or ``4 hours``."""
    for unit, size in _SLA_UNITS:
        if sla >= size and sla % size == timedelta(0):
            count = sla // size
            return f"{count}{unit[0]}" if short else f"{count} {unit}{'s' if count != 1 else ''}"
    return str(sla)

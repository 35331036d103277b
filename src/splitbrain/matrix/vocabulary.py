"""The matrix's fixed vocabularies: disclosure classes, sync directions, conflict rules, kinds.

They mirror the engine domain's enums value for value (a test holds them equal); the matrix keeps
its own copies because it depends on nothing else of splitbrain.
"""

from __future__ import annotations

from enum import StrEnum


class DisclosureClass(StrEnum):
    """How far a field's value may travel (DESIGN §6)."""

    OPERATIONAL = "operational"
    LIMITED_CLINICAL = "limited_clinical"
    PHI_RESTRICTED = "phi_restricted"
    HIGHLY_RESTRICTED = "highly_restricted"


class SyncDirection(StrEnum):
    """Which way a field's value travels once a write is applied."""

    READ_ONLY = "read_only"
    EHR_TO_CRM = "ehr_to_crm"
    EHR_TO_CRM_SUMMARY = "ehr_to_crm_summary"
    CRM_TO_EHR = "crm_to_ehr"
    CRM_TO_EHR_SUMMARY = "crm_to_ehr_summary"
    PORTAL_TO_CRM = "portal_to_crm"
    PORTAL_TO_EHR = "portal_to_ehr"
    PORTAL_TO_ALL = "portal_to_all"
    BIDIRECTIONAL = "bidirectional"
    BIDIRECTIONAL_BY_STAGE = "bidirectional_by_stage"
    BIDIRECTIONAL_WITH_VERSION_CHECK = "bidirectional_with_version_check"


class ConflictRule(StrEnum):
    """The fixed catalog of conflict rules (DESIGN §3)."""

    OWNER_AUTHORITATIVE = "owner_authoritative"
    STAGE_OWNER_WINS = "stage_owner_wins"
    PROVIDER_VERIFIED_OVERRIDES = "provider_verified_overrides"
    MOST_RECENT_VALIDATED = "most_recent_validated"
    MOST_RECENT_PATIENT_CONFIRMED = "most_recent_patient_confirmed"
    PRECEDENCE_LADDER = "precedence_ladder"
    MANUAL_REVIEW = "manual_review"


class ValueKind(StrEnum):
    STRING = "string"
    DATE = "date"
    ENUM = "enum"
    BOOLEAN = "boolean"
    PHONE = "phone"
    EMAIL = "email"

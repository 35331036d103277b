"""The ownership policy as the domain sees it: frozen dataclasses, no YAML, no pydantic.

The operator-facing matrix (``splitbrain.matrix``) is loaded and validated elsewhere and compiled
into a :class:`Policy`; ``decide()`` and the conflict rules read only this shape.

Example::

    policy.fields["medication_plan"].owner_at("in_care")   # -> "ehr"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum


class DisclosureClass(StrEnum):
    OPERATIONAL = "operational"
    LIMITED_CLINICAL = "limited_clinical"
    PHI_RESTRICTED = "phi_restricted"
    HIGHLY_RESTRICTED = "highly_restricted"


class SyncDirection(StrEnum):
    """Which way a field's value travels once applied. The owner is the origin unless noted."""

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


class Provenance(StrEnum):
    """How a value came to be; the default precedence ladder ranks these (DESIGN §4 step 6)."""

    PROVIDER_VERIFIED = "provider_verified"
    VALIDATED_WORKFLOW = "validated_workflow"
    USER_ENTERED = "user_entered"
    AUTOMATION = "automation"

    @property
    def rank(self) -> int:
        """Higher wins: provider_verified > validated_workflow > user_entered > automation."""
        return _PROVENANCE_RANK[self]


_PROVENANCE_RANK = {
    Provenance.PROVIDER_VERIFIED: 4,
    Provenance.VALIDATED_WORKFLOW: 3,
    Provenance.USER_ENTERED: 2,
    Provenance.AUTOMATION: 1,
}


class ValueKind(StrEnum):
    STRING = "string"
    DATE = "date"
    ENUM = "enum"
    BOOLEAN = "boolean"
    PHONE = "phone"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class StageOwner:
    """``system`` owns the field at each of ``stages``."""

    system: str
    stages: frozenset[str]


@dataclass(frozen=True, slots=True)
class SecondaryWriter:
    """Who else may write: a system, a role, or both; optionally only at some stages or values.

    ``None`` means "any" for that dimension. Values are canonical (after enum mapping).
    """

    system: str | None = None
    role: str | None = None
    stages: frozenset[str] | None = None
    values: frozenset[str] | None = None

    def allows(self, system: str, role: str, stage: str, value: str | None) -> bool:
        return (
            (self.system is None or self.system == system)
            and (self.role is None or self.role == role)
            and (self.stages is None or stage in self.stages)
            and (self.values is None or value in self.values)
        )


@dataclass(frozen=True, slots=True)
class EnumMapping:
    """A mapping table: each system's local values to canonical values."""

    name: str
    canonical: tuple[str, ...]
    by_system: Mapping[str, Mapping[str, str]]

    def to_canonical(self, system: str, value: str) -> str | None:
        """Canonical value for the system-local ``value``; canonical values map to themselves."""
        if value in self.canonical:
            return value
        return self.by_system.get(system, {}).get(value)

    def to_local(self, system: str, canonical: str) -> str | None:
        for local, mapped in self.by_system.get(system, {}).items():
            if mapped == canonical:
                return local
        return canonical if system not in self.by_system else None


@dataclass(frozen=True, slots=True)
class FieldPolicy:
    """One row of the ownership matrix."""

    name: str
    disclosure: DisclosureClass
    owners: tuple[StageOwner, ...]
    sync: SyncDirection
    rule: ConflictRule
    escalation_owner: str
    sla: timedelta
    secondary: tuple[SecondaryWriter, ...] = ()
    owner_roles: frozenset[str] | None = None
    critical: bool = False
    immutable_outside_owner: bool = False
    kind: ValueKind = ValueKind.STRING
    enum: str | None = None
    description: str = ""
    fallback_rules: tuple[ConflictRule, ...] = ()
    """Rules consulted in order when ``rule`` cannot decide; escalate when none can.

    Example: legal name "a provider update overrides, else the stage owner wins" is
    ``rule=PROVIDER_VERIFIED_OVERRIDES, fallback_rules=(STAGE_OWNER_WINS,)``.
    """

    def owner_at(self, stage: str) -> str | None:
        """The owning system at ``stage``, or None where the matrix leaves a gap."""
        for owner in self.owners:
            if stage in owner.stages:
                return owner.system
        return None


@dataclass(frozen=True, slots=True)
class Policy:
    """The compiled ownership matrix. Every decision records ``version``."""

    name: str
    version: str
    systems: tuple[str, ...]
    roles: tuple[str, ...]
    stages: tuple[str, ...]
    fields: Mapping[str, FieldPolicy]
    enums: Mapping[str, EnumMapping] = field(default_factory=dict)
    stage_field: str = "care_stage"
    """The field whose canonical value is a person's lifecycle stage."""

    @property
    def label(self) -> str:
        """``telehealth v3``: how messages name the matrix."""
        return f"{self.name} v{self.version}"

    def stage_index(self, stage: str) -> int:
        return self.stages.index(stage)

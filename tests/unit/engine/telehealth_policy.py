"""A compiled ``Policy`` modelled on the GLP-1 telehealth matrix, built in Python for unit tests.

Rows (owner, secondary writers, rule, escalation owner):

- legal_name: crm before in_care, ehr from in_care; crm intake_ops and ehr providers secondary;
  a provider-verified update overrides, else the stage owner wins; clinical_ops.
- date_of_birth: ehr only; owner_authoritative; clinical_ops.
- care_stage (enum care_stage): crm intake/growth/automation; clinical_ops only for the
  clinical states in_care and discharged; owner_authoritative; clinical_ops.
- medication_plan: ehr providers only, critical, immutable outside its owner; manual_review;
  medical_lead.
- follow_up_completion (boolean): ehr, crm care coordinators secondary; most_recent_validated;
  clinical_ops.
- contact_preference (enum contact_channel): crm, the patient in the portal secondary;
  most_recent_patient_confirmed; support_lead.
- mobile_phone / email: crm, the patient in the portal and the ehr front desk secondary;
  precedence_ladder; support_lead.
- clinical_status (enum clinical_status): ehr; owner_authoritative; clinical_ops.
"""

from __future__ import annotations

from datetime import timedelta

from splitbrain.engine.domain.policy import (
    ConflictRule,
    DisclosureClass,
    EnumMapping,
    FieldPolicy,
    Policy,
    SecondaryWriter,
    StageOwner,
    SyncDirection,
    ValueKind,
)

STAGES = ("lead", "intake", "qualified", "in_care", "discharged")
PRE_CARE = frozenset({"lead", "intake", "qualified"})
IN_CARE = frozenset({"in_care", "discharged"})
ALL_STAGES = frozenset(STAGES)
ROLES = (
    "provider",
    "nurse",
    "care_coordinator",
    "intake_ops",
    "growth_ops",
    "clinical_ops",
    "support",
    "front_desk",
    "patient",
    "automation",
    "merge_owner",
    "medical_lead",
    "support_lead",
)


def _only(system: str) -> tuple[StageOwner, ...]:
    return (StageOwner(system, ALL_STAGES),)


def _enums() -> dict[str, EnumMapping]:
    return {
        "care_stage": EnumMapping(
            name="care_stage",
            canonical=STAGES,
            by_system={
                "crm": {
                    "New Lead": "lead",
                    "Intake Started": "intake",
                    "Qualified": "qualified",
                    "Active Patient": "in_care",
                    "Discharged": "discharged",
                }
            },
        ),
        "contact_channel": EnumMapping(
            name="contact_channel",
            canonical=("sms", "email", "phone", "none"),
            by_system={
                "crm": {
                    "SMS": "sms",
                    "E-mail": "email",
                    "Phone call": "phone",
                    "Do not contact": "none",
                },
                "portal": {"text message": "sms", "e-mail": "email", "call me": "phone"},
            },
        ),
        "clinical_status": EnumMapping(
            name="clinical_status",
            canonical=("active", "on_hold", "completed", "cancelled"),
            by_system={
                "ehr": {"on-hold": "on_hold", "entered-in-error": "cancelled"},
                "crm": {"Active": "active", "Paused": "on_hold", "Done": "completed"},
            },
        ),
    }


def _fields() -> dict[str, FieldPolicy]:
    rows = [
        FieldPolicy(
            name="legal_name",
            disclosure=DisclosureClass.PHI_RESTRICTED,
            owners=(StageOwner("crm", PRE_CARE), StageOwner("ehr", IN_CARE)),
            sync=SyncDirection.BIDIRECTIONAL_BY_STAGE,
            rule=ConflictRule.PROVIDER_VERIFIED_OVERRIDES,
            fallback_rules=(ConflictRule.STAGE_OWNER_WINS,),
            escalation_owner="clinical_ops",
            sla=timedelta(hours=4),
            secondary=(
                SecondaryWriter(system="crm", role="intake_ops"),
                SecondaryWriter(system="ehr", role="provider"),
            ),
        ),
        FieldPolicy(
            name="date_of_birth",
            disclosure=DisclosureClass.PHI_RESTRICTED,
            owners=_only("ehr"),
            sync=SyncDirection.EHR_TO_CRM,
            rule=ConflictRule.OWNER_AUTHORITATIVE,
            escalation_owner="clinical_ops",
            sla=timedelta(hours=24),
            kind=ValueKind.DATE,
        ),
        FieldPolicy(
            name="care_stage",
            disclosure=DisclosureClass.OPERATIONAL,
            owners=_only("crm"),
            owner_roles=frozenset({"intake_ops", "growth_ops", "automation"}),
            sync=SyncDirection.CRM_TO_EHR_SUMMARY,
            rule=ConflictRule.OWNER_AUTHORITATIVE,
            escalation_owner="clinical_ops",
            sla=timedelta(hours=8),
            secondary=(SecondaryWriter(role="clinical_ops", values=IN_CARE),),
            kind=ValueKind.ENUM,
            enum="care_stage",
        ),
        FieldPolicy(
            name="medication_plan",
            disclosure=DisclosureClass.HIGHLY_RESTRICTED,
            owners=_only("ehr"),
            owner_roles=frozenset({"provider"}),
            sync=SyncDirection.EHR_TO_CRM_SUMMARY,
            rule=ConflictRule.MANUAL_REVIEW,
            escalation_owner="medical_lead",
            sla=timedelta(hours=2),
            critical=True,
            immutable_outside_owner=True,
        ),
        FieldPolicy(
            name="follow_up_completion",
            disclosure=DisclosureClass.LIMITED_CLINICAL,
            owners=_only("ehr"),
            sync=SyncDirection.EHR_TO_CRM_SUMMARY,
            rule=ConflictRule.MOST_RECENT_VALIDATED,
            escalation_owner="clinical_ops",
            sla=timedelta(hours=24),
            secondary=(SecondaryWriter(system="crm", role="care_coordinator"),),
            kind=ValueKind.BOOLEAN,
        ),
        FieldPolicy(
            name="contact_preference",
            disclosure=DisclosureClass.OPERATIONAL,
            owners=_only("crm"),
            sync=SyncDirection.BIDIRECTIONAL_WITH_VERSION_CHECK,
            rule=ConflictRule.MOST_RECENT_PATIENT_CONFIRMED,
            escalation_owner="support_lead",
            sla=timedelta(hours=24),
            secondary=(SecondaryWriter(system="portal", role="patient"),),
            kind=ValueKind.ENUM,
            enum="contact_channel",
        ),
        *(
            FieldPolicy(
                name=name,
                disclosure=DisclosureClass.PHI_RESTRICTED,
                owners=_only("crm"),
                sync=SyncDirection.BIDIRECTIONAL_WITH_VERSION_CHECK,
                rule=ConflictRule.PRECEDENCE_LADDER,
                escalation_owner="support_lead",
                sla=timedelta(hours=24),
                secondary=(
                    SecondaryWriter(system="portal", role="patient"),
                    SecondaryWriter(system="ehr", role="front_desk"),
                ),
                kind=kind,
            )
            for name, kind in (("mobile_phone", ValueKind.PHONE), ("email", ValueKind.EMAIL))
        ),
        FieldPolicy(
            name="clinical_status",
            disclosure=DisclosureClass.LIMITED_CLINICAL,
            owners=_only("ehr"),
            sync=SyncDirection.EHR_TO_CRM_SUMMARY,
            rule=ConflictRule.OWNER_AUTHORITATIVE,
            escalation_owner="clinical_ops",
            sla=timedelta(hours=24),
            kind=ValueKind.ENUM,
            enum="clinical_status",
        ),
    ]
    return {row.name: row for row in rows}


def telehealth_policy() -> Policy:
    """A fresh telehealth policy (version 3)."""
    return Policy(
        name="telehealth",
        version="3",
        systems=("ehr", "crm", "portal"),
        roles=ROLES,
        stages=STAGES,
        fields=_fields(),
        enums=_enums(),
    )

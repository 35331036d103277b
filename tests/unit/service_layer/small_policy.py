"""A small ownership policy built in Python, and a write factory, for service-layer tests.

Five stages, five rows that exercise every path of the write path the service layer wires:
owner writes, secondary writers, stage-dependent ownership, a critical field, enum mapping, and
a ``manual_review`` row that escalates every stale write.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count

from splitbrain.engine.domain.policy import (
    ConflictRule,
    DisclosureClass,
    EnumMapping,
    FieldPolicy,
    Policy,
    Provenance,
    SecondaryWriter,
    StageOwner,
    SyncDirection,
    ValueKind,
)
from splitbrain.engine.domain.write import Write

STAGES = ("lead", "intake", "qualified", "in_care", "discharged")
ALL = frozenset(STAGES)
BEFORE_CARE = frozenset({"lead", "intake", "qualified"})
IN_CARE = frozenset({"in_care", "discharged"})
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY = timedelta(hours=24)


def small_policy() -> Policy:
    rows = (
        FieldPolicy(
            name="care_stage",
            disclosure=DisclosureClass.OPERATIONAL,
            owners=(StageOwner("crm", ALL),),
            sync=SyncDirection.CRM_TO_EHR_SUMMARY,
            rule=ConflictRule.OWNER_AUTHORITATIVE,
            escalation_owner="clinical_ops",
            sla=DAY,
            secondary=(SecondaryWriter(role="clinical_ops", values=IN_CARE),),
            kind=ValueKind.ENUM,
            enum="care_stage",
        ),
        FieldPolicy(
            name="legal_name",
            disclosure=DisclosureClass.PHI_RESTRICTED,
            owners=(StageOwner("crm", BEFORE_CARE), StageOwner("ehr", IN_CARE)),
            sync=SyncDirection.BIDIRECTIONAL_BY_STAGE,
            rule=ConflictRule.PROVIDER_VERIFIED_OVERRIDES,
            fallback_rules=(ConflictRule.STAGE_OWNER_WINS,),
            escalation_owner="clinical_ops",
            sla=DAY,
            critical=True,
            secondary=(SecondaryWriter(role="intake_ops"),),
        ),
        FieldPolicy(
            name="medication_plan",
            disclosure=DisclosureClass.LIMITED_CLINICAL,
            owners=(StageOwner("ehr", ALL),),
            owner_roles=frozenset({"provider"}),
            sync=SyncDirection.EHR_TO_CRM_SUMMARY,
            rule=ConflictRule.OWNER_AUTHORITATIVE,
            escalation_owner="medical_lead",
            sla=DAY,
            critical=True,
        ),
        FieldPolicy(
            name="contact_preference",
            disclosure=DisclosureClass.OPERATIONAL,
            owners=(StageOwner("crm", ALL),),
            sync=SyncDirection.BIDIRECTIONAL_WITH_VERSION_CHECK,
            rule=ConflictRule.MOST_RECENT_PATIENT_CONFIRMED,
            escalation_owner="support_lead",
            sla=2 * DAY,
            secondary=(SecondaryWriter(system="portal", role="patient"),),
        ),
        FieldPolicy(
            name="lead_source",
            disclosure=DisclosureClass.OPERATIONAL,
            owners=(StageOwner("crm", ALL),),
            sync=SyncDirection.CRM_TO_EHR_SUMMARY,
            rule=ConflictRule.MANUAL_REVIEW,
            escalation_owner="growth_ops",
            sla=DAY,
        ),
    )
    stage_table = EnumMapping(
        name="care_stage",
        canonical=STAGES,
        by_system={"crm": {"New Lead": "lead", "Active Patient": "in_care"}},
    )
    return Policy(
        name="small",
        version="1",
        systems=("ehr", "crm", "portal"),
        roles=(
            "provider",
            "intake_ops",
            "growth_ops",
            "clinical_ops",
            "patient",
            "medical_lead",
            "support_lead",
        ),
        stages=STAGES,
        fields={row.name: row for row in rows},
        enums={"care_stage": stage_table},
    )


class Writes:
    """Makes writes with unique idempotency keys and distinct, later ``occurred_at`` times."""

    def __init__(self, start: datetime = T0) -> None:
        self._seq = count(1)
        self._start = start

    def __call__(
        self,
        field: str,
        value: str | None,
        *,
        system: str = "crm",
        role: str = "growth_ops",
        person: str = "per_0001",
        base: int | None = None,
        provenance: Provenance = Provenance.USER_ENTERED,
        **extra: object,
    ) -> Write:
        n = next(self._seq)
        write = Write(
            idempotency_key=f"{system}:evt-{n}:{field}",
            source_system=system,
            source_record=f"{system}-rec-{person}",
            person=person,
            field=field,
            value=value,
            actor=f"usr_{n}",
            role=role,
            base_version=base,
            occurred_at=self._start + timedelta(minutes=n),
            provenance=provenance,
        )
        return replace(write, **extra)  # type: ignore[arg-type]

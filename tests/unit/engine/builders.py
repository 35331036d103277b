"""Builders for writes and field states with readable defaults (synthetic values only)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.domain.write import FieldState, Write

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PERSON = "per_0001"

SAMPLE_VALUES = {
    "legal_name": "Ana Synthetic-Testperson",
    "date_of_birth": "1980-02-29",
    "care_stage": "Active Patient",
    "medication_plan": "semaglutide 0.5 mg weekly",
    "follow_up_completion": "true",
    "contact_preference": "SMS",
    "mobile_phone": "+1 555-0100",
    "email": "ana.synthetic@example.org",
    "clinical_status": "active",
}


def minutes(n: float) -> datetime:
    """``T0`` plus ``n`` minutes."""
    return T0 + timedelta(minutes=n)


def a_write(
    field: str = "legal_name",
    *,
    system: str = "crm",
    role: str = "intake_ops",
    value: str | None = "",
    base: int | None = None,
    at: datetime = T0,
    provenance: Provenance = Provenance.USER_ENTERED,
    person: str = PERSON,
    manual: bool = False,
    reason: str | None = None,
    key: str | None = None,
    correlation_id: str | None = None,
) -> Write:
    """A write; ``value=""`` means the field's sample value. The key derives from the payload."""
    chosen = SAMPLE_VALUES.get(field, "x") if value == "" else value
    if key is None:
        text = repr((system, role, person, field, chosen, base, at, provenance, manual, reason))
        key = f"{system}:{field}:{hashlib.sha256(text.encode()).hexdigest()[:12]}"
    return Write(
        idempotency_key=key,
        source_system=system,
        source_record=f"{system}-rec-1",
        person=person,
        field=field,
        value=chosen,
        actor=f"usr_{role}",
        role=role,
        base_version=base,
        occurred_at=at,
        provenance=provenance,
        override_reason=reason,
        manual=manual,
        correlation_id=correlation_id,
    )


def a_state(
    field: str = "legal_name",
    *,
    version: int = 1,
    system: str | None = "crm",
    role: str | None = "intake_ops",
    provenance: Provenance | None = Provenance.USER_ENTERED,
    at: datetime | None = T0,
    value: str | None = "current",
    key: str | None = "prev-key",
    person: str = PERSON,
) -> FieldState:
    """A field state written ``version`` times, the last time by (system, role)."""
    return FieldState(
        person=person,
        field=field,
        value=value,
        version=version,
        provenance=provenance,
        system=system,
        role=role,
        occurred_at=at,
        idempotency_key=key,
    )

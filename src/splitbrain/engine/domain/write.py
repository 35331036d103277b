"""A ``Write``: one proposed change to one field of one person, from any system (DESIGN §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from splitbrain.engine.domain.policy import Provenance


@dataclass(frozen=True, slots=True)
class Write:
    """One proposed change. ``value`` is the source system's own (local) value; ``None`` clears.

    ``base_version`` is the field version the writer last saw; ``None`` means a blind write.
    ``manual`` marks a human edit in a UI (as opposed to a sync or an automation): a manual
    write to a ``critical`` field needs an ``override_reason``.

    Example::

        Write(idempotency_key="crm:evt-81:medication_plan", source_system="crm",
              source_record="contact-81", person="per_0001", field="medication_plan",
              value="semaglutide 0.5 mg", actor="usr_12", role="growth_ops",
              base_version=3, occurred_at=datetime(2026, 1, 5, tzinfo=UTC),
              provenance=Provenance.USER_ENTERED, manual=True)
    """

    idempotency_key: str
    source_system: str
    source_record: str
    person: str
    field: str
    value: str | None
    actor: str
    role: str
    base_version: int | None
    occurred_at: datetime
    provenance: Provenance
    override_reason: str | None = None
    manual: bool = False
    correlation_id: str | None = None

    def payload(self) -> tuple[object, ...]:
        """Everything that makes two deliveries "the same write" (not the correlation id)."""
        return (
            self.source_system,
            self.source_record,
            self.person,
            self.field,
            self.value,
            self.actor,
            self.role,
            self.base_version,
            self.occurred_at.isoformat(),
            self.provenance.value,
            self.override_reason,
            self.manual,
        )


@dataclass(frozen=True, slots=True)
class FieldState:
    """The current value of one field of one person, with the write that produced it.

    ``version`` starts at 0 for a field never written (``value`` None, no provenance).
    """

    person: str
    field: str
    value: str | None
    version: int
    provenance: Provenance | None = None
    system: str | None = None
    role: str | None = None
    occurred_at: datetime | None = None
    idempotency_key: str | None = None

    @classmethod
    def empty(cls, person: str, field: str) -> FieldState:
        return cls(person=person, field=field, value=None, version=0)

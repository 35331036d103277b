"""Drive the reference engine the way people and systems do: the API that Gherkin steps call.

Steps stay thin: "When the CRM sets her medication plan as automation" becomes one ``write``
call. The driver remembers which version each writer last saw, makes every written value unique
(so each observed value traces to one write) and keeps the simulated clock moving.

Example::

    driver = EngineDriver.in_memory(load_policy("scenarios/matrices/telehealth.yaml"))
    driver.put_at_stage("ana", "in_care")
    decision = driver.write("ana", "medication_plan", system="crm", role="automation")
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.decisions import Decision, FieldApplied
from splitbrain.engine.domain.policy import FieldPolicy, Policy, Provenance, ValueKind
from splitbrain.engine.domain.write import FieldState, Write
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.engine import Engine

Base = Literal["current", "blind"] | int
"""What the writer saw: the field's current version, nothing (a blind write), or a version."""

_DEFAULT_PROVENANCE = {
    "provider": Provenance.PROVIDER_VERIFIED,
    "care_coordinator": Provenance.VALIDATED_WORKFLOW,
    "automation": Provenance.AUTOMATION,
}

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(slots=True)
class EngineDriver:
    engine: Engine
    policy: Policy
    clock: FixedClock
    decisions: list[Decision] = field(default_factory=list)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def in_memory(cls, policy: Policy) -> EngineDriver:
        clock = FixedClock(START)
        return cls(
            engine=bootstrap(store="memory", policy=policy, clock=clock), policy=policy, clock=clock
        )

    @property
    def last(self) -> Decision:
        return self.decisions[-1]

    def put_at_stage(self, person: str, stage: str) -> None:
        """Move ``person`` to ``stage`` the way the pipeline does: a stage-owner automation."""
        stage_field = self.policy.fields[self.policy.stage_field]
        owner = stage_field.owner_at(stage) or stage_field.owners[0].system
        decision = self.write(
            person,
            self.policy.stage_field,
            system=owner,
            role="automation",
            value=stage,
            provenance=Provenance.VALIDATED_WORKFLOW,
        )
        if not isinstance(decision, FieldApplied):
            raise AssertionError(f"could not move {person} to stage {stage}: {decision}")

    def write(
        self,
        person: str,
        field_name: str,
        *,
        system: str,
        role: str,
        value: str | None = None,
        base: Base = "current",
        provenance: Provenance | None = None,
        manual: bool = False,
        reason: str | None = None,
        at: datetime | None = None,
        key: str | None = None,
    ) -> Decision:
        """Send one write and remember the decision. ``value`` defaults to a fresh valid one."""
        serial = next(self._serial)
        when = at or self.tick()
        state = self.state(person, field_name)
        write = Write(
            idempotency_key=key or f"{system}:evt-{serial}",
            source_system=system, source_record=f"{system}-{person}", person=person,
            field=field_name,
            value=value if value is not None else self.fresh_value(field_name, system, serial),
            actor=f"{role}-1", role=role,
            base_version=_base_version(base, state), occurred_at=when,
            provenance=provenance or _DEFAULT_PROVENANCE.get(role, Provenance.USER_ENTERED),
            override_reason=reason, manual=manual, correlation_id=f"drv-{serial}",
        )  # fmt: skip
        return self.send(write)

    def send(self, write: Write) -> Decision:
        """Deliver a prepared write (a retry, a replay) as it is."""
        decision = self.engine.ingest(write)
        self.decisions.append(decision)
        return decision

    def state(self, person: str, field_name: str) -> FieldState:
        return self.engine.field(person, field_name)

    def tick(self, minutes: int = 1) -> datetime:
        return self.clock.advance(timedelta(minutes=minutes))

    def fresh_value(self, field_name: str, system: str, serial: int) -> str:
        """A valid value no earlier write used: unique per write, shaped by the field's kind."""
        return _value_for(self.policy.fields[field_name], self.policy, system, serial)


def _base_version(base: Base, state: FieldState) -> int | None:
    if base == "current":
        return state.version
    if base == "blind":
        return None
    return base


def _value_for(row: FieldPolicy, policy: Policy, system: str, serial: int) -> str:
    if row.kind is ValueKind.DATE:
        return (date(1950, 1, 1) + timedelta(days=serial)).isoformat()
    if row.kind is ValueKind.BOOLEAN:
        return "true" if serial % 2 else "false"
    if row.kind is ValueKind.PHONE:
        return f"+1212555{100 + serial % 100:04d}"
    if row.kind is ValueKind.EMAIL:
        return f"person{serial}@example.org"
    if row.kind is ValueKind.ENUM and row.enum is not None:
        canonical = policy.enums[row.enum].canonical
        return canonical[serial % len(canonical)]
    return f"{row.name} value {serial}"

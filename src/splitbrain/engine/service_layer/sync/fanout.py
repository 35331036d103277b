"""Plan the effects of a decision: who else must now hold the value, in what form (DESIGN §4, §6).

For an applied write from system S, each target T comes from the field's sync direction; a
target receives the value only through a disclosure path S→T that allows the field (minimum
necessary), built by the ``OutboundBuilder`` (tokens, summaries, consent at the moment of
disclosure, audited). A path that needs consent is checked again when the effect is sent.
A rejected write from a system that the field syncs to is repaired: the engine sends that
system the value it holds. An escalated conflict becomes a CRM task in the escalation owner's
queue, due by the row's SLA.

Effect ids and idempotency keys come from the decision's idempotency key and the target, so
planning the same decision twice (after a crash) inserts nothing new. They carry ids and field
names only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from splitbrain.engine.domain.decisions import ConflictEscalated, FieldApplied
from splitbrain.engine.domain.policy import Policy, SyncDirection
from splitbrain.engine.domain.write import FieldState
from splitbrain.engine.service_layer.disclosure import (
    DisclosurePermitted,
    DisclosureRequest,
    OutboundBuilder,
)
from splitbrain.engine.service_layer.sync.model import OutboxEffect

ESCALATION_SYSTEM = "crm"
"""Where conflict tasks go: the system with owner queues."""

_ONE_WAY: Mapping[SyncDirection, tuple[str, tuple[str, ...]]] = {
    SyncDirection.EHR_TO_CRM: ("ehr", ("crm",)),
    SyncDirection.EHR_TO_CRM_SUMMARY: ("ehr", ("crm",)),
    SyncDirection.CRM_TO_EHR: ("crm", ("ehr",)),
    SyncDirection.CRM_TO_EHR_SUMMARY: ("crm", ("ehr",)),
    SyncDirection.PORTAL_TO_CRM: ("portal", ("crm",)),
    SyncDirection.PORTAL_TO_EHR: ("portal", ("ehr",)),
    SyncDirection.PORTAL_TO_ALL: ("portal", ("crm", "ehr")),
}


def sync_targets(direction: SyncDirection, source: str, systems: Sequence[str]) -> tuple[str, ...]:
    """The systems a value written in ``source`` travels to."""
    if direction is SyncDirection.READ_ONLY:
        return ()
    if direction in _ONE_WAY:
        origin, targets = _ONE_WAY[direction]
        return targets if source == origin else ()
    return tuple(system for system in systems if system != source)


@dataclass(frozen=True, slots=True)
class Planner:
    policy: Policy
    builder: OutboundBuilder

    def applied(
        self, event_id: str, decision: FieldApplied, *, now: datetime
    ) -> list[OutboxEffect]:
        write = decision.write
        row = self.policy.fields[write.field]
        effects: list[OutboxEffect] = []
        for target in sync_targets(row.sync, write.source_system, tuple(self.policy.systems)):
            effect = self._disclosed(
                event_id=event_id,
                effect_id=f"{write.idempotency_key}>{target}",
                person=write.person,
                source=write.source_system,
                target=target,
                field=write.field,
                value=decision.value,
                version=decision.new_version,
                now=now,
            )
            if effect is not None:
                effects.append(effect)
        return effects

    def repair(
        self, event_id: str, key: str, state: FieldState, source: str, *, now: datetime
    ) -> list[OutboxEffect]:
        """Send ``source`` the value the engine holds, after refusing ``source``'s own write."""
        origin = state.system
        row = self.policy.fields[state.field]
        if origin is None or source not in sync_targets(
            row.sync, origin, tuple(self.policy.systems)
        ):
            return []
        effect = self._disclosed(
            event_id=event_id, effect_id=f"{key}>repair>{source}", person=state.person,
            source=origin, target=source, field=state.field, value=state.value,
            version=state.version, now=now,
        )  # fmt: skip
        return [] if effect is None else [effect]

    def escalated(
        self, event_id: str, decision: ConflictEscalated, *, now: datetime
    ) -> list[OutboxEffect]:
        write = decision.write
        sla = self.policy.fields[write.field].sla
        body = {
            "op": "task",
            "person": write.person,
            "queue": decision.escalation_owner,
            "subject": f"Conflict {decision.conflict_id} on {write.field}: decide which stands",
            "kind": "conflict",
            "reference": decision.conflict_id,
            "sla_minutes": max(1, int(sla.total_seconds() // 60)),
        }
        return [
            effect(
                event_id, f"{decision.conflict_id}>task", ESCALATION_SYSTEM, body,
                ordering=f"{ESCALATION_SYSTEM}:tasks", now=now,
            )
        ]  # fmt: skip

    def _disclosed(
        self,
        *,
        event_id: str,
        effect_id: str,
        person: str,
        source: str,
        target: str,
        field: str,
        value: str | None,
        version: int,
        now: datetime,
    ) -> OutboxEffect | None:
        purpose = self._purpose(source, target, field)
        if purpose is None:
            return None  # no path carries the field: minimum necessary says it stays home
        outcome = self.builder.build(
            DisclosureRequest(person, source, target, purpose, {field: value})
        )
        if not isinstance(outcome, DisclosurePermitted) or field not in outcome.payload.fields:
            return None
        body = {
            "op": "update",
            "person": person,
            "subject": outcome.payload.subject,
            "purpose": purpose,
            "source": source,
            "fields": dict(outcome.payload.fields),
            "versions": {field: version},
        }
        return effect(event_id, effect_id, target, body, ordering=f"{target}:{person}", now=now)

    def _purpose(self, source: str, target: str, field: str) -> str | None:
        """The purpose of the path that carries ``field`` from source to target, preferring a
        path that needs no consent."""
        found: list[tuple[bool, str]] = []
        for key, path in self.builder.policy.paths.items():
            if (key.source, key.destination) != (source, target):
                continue
            rule = path.fields.get(field)
            if rule is not None and field in path.leaving:
                found.append((path.consent is not None, key.purpose))
        return min(found)[1] if found else None


def effect(
    event_id: str,
    effect_id: str,
    target: str,
    body: Mapping[str, object],
    *,
    ordering: str,
    now: datetime,
) -> OutboxEffect:
    """An outbox effect whose idempotency key is its id (ids and field names only)."""
    return OutboxEffect(
        effect_id=effect_id,
        event_id=event_id,
        target=target,
        method=str(body["op"]),
        path="",
        body=json.dumps(body, sort_keys=True, separators=(",", ":")).encode(),
        idempotency_key=effect_id,
        ordering_key=ordering,
        created_at=now,
    )

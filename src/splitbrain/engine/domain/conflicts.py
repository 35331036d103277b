"""The conflict queue: what no rule could decide waits for a person (DESIGN §4).

An escalated write opens a :class:`ConflictItem` for the row's escalation owner role, due after
the row's SLA. Only that role resolves it, with a reason, by choosing one of the competing
writes. An item still open after ``due_at`` escalates once (``ConflictOverdue``), never twice.

Lifecycle::

    ConflictEscalated --open_item--> open --resolve--> resolved   (ConflictResolved)
                                      │
                                      └--escalate_overdue (past due_at, once)--> open, escalated
                                                                           (ConflictOverdue)

Example::

    item = open_item(decision, now)
    item, event = resolve(item, resolver="usr_7", role="clinical_ops",
                          reason="EHR chart confirmed by provider", chosen_key=key, now=later)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from splitbrain.engine.domain.decisions import ConflictEscalated
from splitbrain.engine.domain.errors import (
    ConflictAlreadyResolved,
    ResolutionReasonMissing,
    ResolverNotEscalationOwner,
    UnknownCompetingKey,
)

__all__ = [
    "ConflictItem",
    "ConflictOverdue",
    "ConflictResolved",
    "ConflictStatus",
    "Resolution",
    "escalate_overdue",
    "mean_time_to_resolution",
    "open_item",
    "queue_age",
    "resolve",
]


class ConflictStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Resolution:
    """Who resolved a conflict, as which role, why, and which write they chose."""

    resolver: str
    role: str
    reason: str
    chosen_key: str
    resolved_at: datetime


@dataclass(frozen=True, slots=True)
class ConflictItem:
    """One undecided conflict. Identifiers, field and rule names only: no values (no PHI)."""

    conflict_id: str
    person: str
    field: str
    competing_keys: tuple[str, ...]
    """The escalated write's idempotency key first, then the current value's (when known)."""
    rule: str
    """The rule that could not decide."""
    escalation_owner: str
    created_at: datetime
    due_at: datetime
    status: ConflictStatus = ConflictStatus.OPEN
    overdue_escalated_at: datetime | None = None
    resolution: Resolution | None = None


@dataclass(frozen=True, slots=True)
class ConflictResolved:
    conflict_id: str
    person: str
    field: str
    escalation_owner: str
    resolver: str
    role: str
    reason: str
    chosen_key: str
    resolved_at: datetime


@dataclass(frozen=True, slots=True)
class ConflictOverdue:
    conflict_id: str
    person: str
    field: str
    escalation_owner: str
    due_at: datetime
    escalated_at: datetime


def open_item(decision: ConflictEscalated, now: datetime) -> ConflictItem:
    """The open item for an escalated write, created ``now``."""
    write = decision.write
    keys: tuple[str, ...] = (write.idempotency_key,)
    if decision.competing_key is not None and decision.competing_key != write.idempotency_key:
        keys = (write.idempotency_key, decision.competing_key)
    return ConflictItem(
        conflict_id=decision.conflict_id,
        person=write.person,
        field=write.field,
        competing_keys=keys,
        rule=decision.rule,
        escalation_owner=decision.escalation_owner,
        created_at=now,
        due_at=decision.due_at,
    )


def resolve(
    item: ConflictItem, *, resolver: str, role: str, reason: str, chosen_key: str, now: datetime
) -> tuple[ConflictItem, ConflictResolved]:
    """Resolve ``item`` by choosing one competing write.

    Raises a ``ConflictResolutionRefused`` (the item unchanged) when the role is not the
    escalation owner, the reason is blank, the key is not a competing one, or the item is
    already resolved.
    """
    _check_resolution(item, role=role, reason=reason, chosen_key=chosen_key)
    resolution = Resolution(resolver, role, reason.strip(), chosen_key, now)
    resolved = replace(item, status=ConflictStatus.RESOLVED, resolution=resolution)
    event = ConflictResolved(
        conflict_id=item.conflict_id,
        person=item.person,
        field=item.field,
        escalation_owner=item.escalation_owner,
        resolver=resolver,
        role=role,
        reason=resolution.reason,
        chosen_key=chosen_key,
        resolved_at=now,
    )
    return resolved, event


def escalate_overdue(
    items: Iterable[ConflictItem], now: datetime
) -> list[tuple[ConflictItem, ConflictOverdue]]:
    """Escalate every open item past its ``due_at`` that was not escalated yet, exactly once.

    Returns only the items that changed, each with its event.
    """
    escalated = []
    for item in items:
        if (
            item.status is ConflictStatus.OPEN
            and item.overdue_escalated_at is None
            and now > item.due_at
        ):
            event = ConflictOverdue(
                conflict_id=item.conflict_id,
                person=item.person,
                field=item.field,
                escalation_owner=item.escalation_owner,
                due_at=item.due_at,
                escalated_at=now,
            )
            escalated.append((replace(item, overdue_escalated_at=now), event))
    return escalated


def queue_age(items: Iterable[ConflictItem], now: datetime) -> timedelta:
    """How long the oldest unresolved item has waited; zero when none is open."""
    created = [item.created_at for item in items if item.status is ConflictStatus.OPEN]
    return now - min(created) if created else timedelta(0)


def mean_time_to_resolution(items: Iterable[ConflictItem]) -> timedelta | None:
    """Mean of ``resolved_at - created_at`` over resolved items; None when none is resolved."""
    spans = [
        item.resolution.resolved_at - item.created_at
        for item in items
        if item.resolution is not None
    ]
    return sum(spans, timedelta(0)) / len(spans) if spans else None


def _check_resolution(item: ConflictItem, *, role: str, reason: str, chosen_key: str) -> None:
    where = f"conflict {item.conflict_id} (field {item.field!r} of person {item.person})"
    if item.status is ConflictStatus.RESOLVED:
        raise ConflictAlreadyResolved(
            f"{where} is already resolved; open a new conflict instead of resolving it twice"
        )
    if role != item.escalation_owner:
        raise ResolverNotEscalationOwner(
            f"{where} is escalated to {item.escalation_owner}; role {role} may not resolve it: "
            f"ask someone with role {item.escalation_owner}"
        )
    if not reason.strip():
        raise ResolutionReasonMissing(f"{where} needs a reason to be resolved; say why")
    if chosen_key not in item.competing_keys:
        raise UnknownCompetingKey(
            f"{where}: write {chosen_key} is not one of its competing writes "
            f"({', '.join(item.competing_keys)}); choose one of those"
        )

"""What the engine service keeps between receiving an event and finishing its effects.

- ``InboxItem``: one inbound event (a CRM or portal webhook, a FHIR Subscription notification,
  an HL7 v2 message), stored before the sender is acknowledged (at-least-once in). Its id is the
  sender's own event id, so a redelivery is recognised. Each ends in exactly one terminal state.
- ``OutboxEffect``: one outbound HTTP request the engine decided to make (update a CRM contact,
  set a portal status, create a CRM task). Its id and its ``Idempotency-Key`` are derived from
  the decision, so re-planning after a crash inserts nothing new (idempotent effects out).
  Effects with one ``ordering_key`` (a target record) are sent in order.
- ``Incident``: something a person must look at: an event or effect that went to dead letters.

Payloads are bytes as received or to be sent; they may hold PHI and never leave the store except
to their destination. Nothing here is logged beyond ids, states and field names.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


class InboxState(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    APPLIED = "applied"
    DEDUPLICATED = "deduplicated"
    REJECTED = "rejected"
    ESCALATED = "escalated"
    DEAD_LETTERED = "dead_lettered"

    @property
    def terminal(self) -> bool:
        return self not in _OPEN_INBOX


_OPEN_INBOX = frozenset({InboxState.PENDING, InboxState.CLAIMED})
INBOX_TERMINAL: frozenset[InboxState] = frozenset(InboxState) - _OPEN_INBOX


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    CANCELLED = "cancelled"
    """Not sent, by decision: consent no longer permits it at the moment of sending, or a newer
    effect for the same record and field made it moot."""
    DEAD_LETTERED = "dead_lettered"

    @property
    def terminal(self) -> bool:
        return self in (OutboxState.SENT, OutboxState.CANCELLED, OutboxState.DEAD_LETTERED)


@dataclass(frozen=True, slots=True)
class InboxItem:
    event_id: str
    """The sender's id for the event (``crm:Contact/c1@4``, ``ehr:Patient/p1@3``)."""
    source: str
    """The system that sent it: ``ehr``, ``crm``, ``portal``."""
    channel: str
    """How it came: ``webhook``, ``fhir-subscription``, ``mllp``."""
    payload: bytes
    received_at: datetime
    state: InboxState = InboxState.PENDING
    attempts: int = 0
    deliveries: int = 1
    """How many times the sender delivered it (redeliveries are counted, not re-queued)."""
    detail: str | None = None
    """For a terminal state: the rule or reason (ids and field names only)."""
    not_before: datetime | None = None
    """A released item is not claimed again before this time."""
    seq: int = 0
    """Arrival order, assigned by the store."""


@dataclass(frozen=True, slots=True)
class OutboxEffect:
    effect_id: str
    """Deterministic: the same decision always plans the same ids."""
    event_id: str
    """The inbox item (or ``engine:...`` for effects the engine starts itself) that caused it."""
    target: str
    """``ehr``, ``crm``, ``portal``."""
    method: str
    """What to do: the body's ``op`` (``update``, ``consent``, ``task``...) for the reference
    planner; an HTTP method for planners that send raw requests."""
    path: str
    """Unused by the reference planner (the body's ``op`` says what to do); free for others."""
    body: bytes | None
    idempotency_key: str
    ordering_key: str
    """Effects with one ordering key are sent oldest first, one at a time."""
    created_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)
    state: OutboxState = OutboxState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    last_status: int | None = None
    detail: str | None = None
    seq: int = 0


@dataclass(frozen=True, slots=True)
class Incident:
    incident_id: str
    kind: str
    """``inbox_dead_letter`` or ``outbox_dead_letter``."""
    ref: str
    """The event id or effect id."""
    reason: str
    opened_at: datetime
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class QueueDepths:
    """How many inbox items and outbox effects are in each state (for /metrics)."""

    inbox: Mapping[str, int]
    outbox: Mapping[str, int]
    open_incidents: int

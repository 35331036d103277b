"""Events: what happened, in the past tense (STYLE §2).

The decisions of ``domain.decisions`` and the conflict events of ``domain.conflicts`` are the
engine's events; the service layer adds only what maintenance does. Every event is audited.

    Event
     ├── FieldApplied / WriteRejected / ConflictEscalated / DuplicateDelivery   (decide)
     ├── ConflictResolved / ConflictOverdue                                     (conflict queue)
     ├── IdempotencyKeysPurged, FieldSeeded                                     (maintenance)
     ├── ConsentEvent: grants, revokes, expiries, decisions, outreach   (domain.consent.events)
     └── IdentityEvent: registrations, reviews, merges, unmerges       (domain.linkage.events)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from splitbrain.engine.domain.conflicts import ConflictOverdue, ConflictResolved
from splitbrain.engine.domain.consent import ConsentEvent
from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    DuplicateDelivery,
    FieldApplied,
    WriteRejected,
)
from splitbrain.engine.domain.linkage.events import IdentityEvent
from splitbrain.engine.domain.write import FieldState

RESOLUTION_RULE = "conflict_resolution"
"""The ``rule`` of the ``FieldApplied`` that applies a conflict's chosen write."""


@dataclass(frozen=True, slots=True)
class IdempotencyKeysPurged:
    """Keys first seen before ``cutoff`` were forgotten; redeliveries now count as new writes."""

    cutoff: datetime
    count: int
    at: datetime


@dataclass(frozen=True, slots=True)
class FieldSeeded:
    """A field's starting state was set by ``SeedFieldState``."""

    state: FieldState
    at: datetime


Event = (
    FieldApplied
    | WriteRejected
    | ConflictEscalated
    | DuplicateDelivery
    | ConflictResolved
    | ConflictOverdue
    | IdempotencyKeysPurged
    | FieldSeeded
    | ConsentEvent
    | IdentityEvent
)

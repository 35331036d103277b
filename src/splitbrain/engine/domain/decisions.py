"""What ``decide()`` answers. Expected outcomes are events, not exceptions (STYLE §3).

    Decision
     ├── FieldApplied        the write became the field's new version
     ├── WriteRejected       refused, with a reason code and a message naming the rule and fix
     ├── ConflictEscalated   no rule could decide; a conflict item goes to the escalation owner
     └── DuplicateDelivery   the idempotency key was seen; the first decision stands

Messages carry identifiers, field names and rule names, never values (no PHI).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from splitbrain.engine.domain.write import Write


class RejectReason(StrEnum):
    IDEMPOTENCY_KEY_REUSE = "idempotency_key_reuse"
    UNKNOWN_FIELD = "unknown_field"
    INVALID = "invalid"
    UNMAPPED_ENUM_VALUE = "unmapped_enum_value"
    NOT_OWNER = "not_owner"
    OVERRIDE_REASON_REQUIRED = "override_reason_required"
    STALE = "stale"
    SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class FieldApplied:
    write: Write
    value: str | None
    """The canonical value stored (after enum mapping)."""
    previous_version: int
    new_version: int
    rule: str
    """What let the write through: ``owner``, ``secondary_writer``, or a conflict rule name."""
    matrix_version: str
    explanation: str


@dataclass(frozen=True, slots=True)
class WriteRejected:
    write: Write
    reason: RejectReason
    rule: str
    matrix_version: str
    explanation: str


@dataclass(frozen=True, slots=True)
class ConflictEscalated:
    write: Write
    conflict_id: str
    escalation_owner: str
    due_at: datetime
    rule: str
    competing_key: str | None
    """The idempotency key of the write this one competes with (the current value's), if any."""
    matrix_version: str
    explanation: str


@dataclass(frozen=True, slots=True)
class DuplicateDelivery:
    write: Write
    first: FieldApplied | WriteRejected | ConflictEscalated


Decision = FieldApplied | WriteRejected | ConflictEscalated | DuplicateDelivery

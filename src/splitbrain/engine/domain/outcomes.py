"""Building the decision events ``decide()`` returns, each with its plain-words explanation.

Every decision records the matrix version and names its ``rule`` as a plain ``str`` (a gate or a
conflict rule, never an enum member, so a decision equals its stored copy exactly).
Explanations name systems, roles, fields, versions, rules and the matrix, never a value (no
PHI). An escalation's ``conflict_id`` derives from the idempotency key alone, so deciding the
same write twice names the same conflict.

Example::

    conflict_id("crm:evt-81:legal_name")   # -> "cf_" + the first 16 hex digits of its SHA-256
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    FieldApplied,
    RejectReason,
    WriteRejected,
)
from splitbrain.engine.domain.policy import FieldPolicy, Policy
from splitbrain.engine.domain.write import FieldState, Write

__all__ = ["applied", "conflict_id", "escalated", "rejected"]


def conflict_id(idempotency_key: str) -> str:
    """The conflict id a write escalates under: ``cf_`` + 16 hex digits of SHA-256 of the key."""
    return "cf_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]


def applied(
    write: Write, state: FieldState, policy: Policy, *, value: str | None, rule: str, why: str
) -> FieldApplied:
    """``write`` becomes version ``state.version + 1`` with the canonical ``value``."""
    new = state.version + 1
    return FieldApplied(
        write=write,
        value=value,
        previous_version=state.version,
        new_version=new,
        rule=str(rule),
        matrix_version=policy.version,
        explanation=f"{why}; applied as version {new} (matrix {policy.label})",
    )


def rejected(
    write: Write, policy: Policy, reason: RejectReason, rule: str, why: str
) -> WriteRejected:
    """``write`` is refused for ``reason``; ``why`` names the rule and the fix."""
    return WriteRejected(
        write=write, reason=reason, rule=str(rule), matrix_version=policy.version, explanation=why
    )


def escalated(
    write: Write,
    state: FieldState,
    field: FieldPolicy,
    policy: Policy,
    *,
    rule: str,
    now: datetime,
    why: str,
) -> ConflictEscalated:
    """No rule could decide: a conflict for the row's escalation owner, due ``now + sla``."""
    cid = conflict_id(write.idempotency_key)
    return ConflictEscalated(
        write=write,
        conflict_id=cid,
        escalation_owner=field.escalation_owner,
        due_at=now + field.sla,
        rule=str(rule),
        competing_key=state.idempotency_key,
        matrix_version=policy.version,
        explanation=(
            f"{why}; conflict {cid} goes to {field.escalation_owner} within {field.sla} "
            f"(matrix {policy.label}, row {field.name})"
        ),
    )

"""The write path: ``decide()`` one write against a field's state, and ``apply()`` the result.

``decide`` is pure: no clock, no store. The caller looks up the first decision recorded for the
write's idempotency key (``prior``), the field's current state and the person's stage, and passes
``now``. The steps run in the order of DESIGN §4; the first that answers decides:

1. idempotency: a seen key with the same payload is a ``DuplicateDelivery`` of the first
   decision; a seen key with another payload is rejected (``idempotency_key_reuse``). A field
   the matrix does not list is rejected (``unknown_field``).
2. validation and enum mapping to the canonical value (``invalid``, ``unmapped_enum_value``).
3. ownership at the person's stage: the owner, else an allowed secondary writer
   (``not_owner``).
4. override: a manual write to a critical field needs a reason (``override_reason_required``).
5. version: a base version ahead of the field is ``invalid``; a stale one goes to the row's
   conflict rules (apply, reject as ``stale``, or escalate); a current one applies.
6. default precedence for blind writes over another source's value (``precedence.py``): the
   winner applies, the loser is ``superseded``, an exact tie escalates. A blind write over the
   same source's own value follows that source's own order of events.

Example::

    decision = decide(write, state, "in_care", policy, prior=None, now=now)
    state = apply(state, decision)
"""

from __future__ import annotations

from datetime import datetime

from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    Decision,
    DuplicateDelivery,
    FieldApplied,
    RejectReason,
    WriteRejected,
)
from splitbrain.engine.domain.errors import NaiveTimestamp, StateMismatch, UnknownStage
from splitbrain.engine.domain.gates import Gate
from splitbrain.engine.domain.outcomes import applied, escalated, rejected
from splitbrain.engine.domain.ownership import authority, is_stage_owner, not_owner_explanation
from splitbrain.engine.domain.policy import ConflictRule, FieldPolicy, Policy
from splitbrain.engine.domain.precedence import ladder, recency
from splitbrain.engine.domain.rules import Contender, Verdict, judge
from splitbrain.engine.domain.validation import Invalid, canonicalize
from splitbrain.engine.domain.write import FieldState, Write

__all__ = ["FirstDecision", "apply", "decide"]

FirstDecision = FieldApplied | WriteRejected | ConflictEscalated
"""What ``prior`` can be: the first decision recorded for an idempotency key."""

_LADDER = ConflictRule.PRECEDENCE_LADDER.value
_OWNER = Gate.OWNER.value
_SECONDARY_WRITER = Gate.SECONDARY_WRITER.value


def decide(
    write: Write,
    state: FieldState,
    stage: str,
    policy: Policy,
    *,
    prior: FirstDecision | None,
    now: datetime,
) -> Decision:
    """Decide ``write`` against ``state`` at the person's ``stage`` under ``policy``.

    Raises a ``DomainError`` only for broken input: a state or prior of another write, a naive
    datetime, a stage the policy does not list, an enum row without its table.
    """
    _check(write, state, prior, now)
    if prior is not None:
        if prior.write.payload() == write.payload():
            return DuplicateDelivery(write=write, first=prior)
        why = (
            f"idempotency key {write.idempotency_key} was first used for a different write; a "
            "key names exactly one write: give this write its own key"
        )
        return rejected(write, policy, RejectReason.IDEMPOTENCY_KEY_REUSE, Gate.IDEMPOTENCY, why)
    field = policy.fields.get(write.field)
    if field is None:
        why = (
            f"field {write.field!r} is not a row of matrix {policy.label}; add the row or map "
            "the source field to one of its rows"
        )
        return rejected(write, policy, RejectReason.UNKNOWN_FIELD, Gate.MATRIX, why)
    if stage not in policy.stages:
        raise UnknownStage(
            f"person {write.person} is at stage {stage!r}, which matrix {policy.label} does "
            f"not list; its stages are {', '.join(policy.stages)}"
        )
    value = canonicalize(field, policy, write.source_system, write.value)
    if isinstance(value, Invalid):
        step = (
            Gate.ENUM_MAPPING
            if value.reason is RejectReason.UNMAPPED_ENUM_VALUE
            else Gate.VALIDATION
        )
        return rejected(write, policy, value.reason, step, value.explanation)
    gate = authority(field, stage, write.source_system, write.role, value)
    if gate is None:
        why = not_owner_explanation(
            field, policy, write.person, stage, system=write.source_system, role=write.role
        )
        return rejected(write, policy, RejectReason.NOT_OWNER, Gate.OWNERSHIP, why)
    if write.manual and field.critical and not (write.override_reason or "").strip():
        why = (
            f"field {field.name!r} is critical: a manual edit by {write.source_system} as "
            f"{write.role} needs an override reason; send it again with override_reason set "
            f"(matrix {policy.label}, row {field.name})"
        )
        return rejected(write, policy, RejectReason.OVERRIDE_REASON_REQUIRED, Gate.OVERRIDE, why)
    base = write.base_version
    if base == state.version or (base is None and state.version == 0):
        return _fresh(write, state, policy, value=value, owner=gate is Gate.OWNER, stage=stage)
    if base is None:
        return _blind(write, state, field, policy, value=value, now=now)
    if base > state.version or base < 0:
        why = (
            f"write {write.idempotency_key} to field {field.name!r} of person {write.person} "
            f"claims base version {base}, but the field is at version {state.version}; re-read "
            "the field and write on its current version"
        )
        return rejected(write, policy, RejectReason.INVALID, Gate.VERSION, why)
    return _stale(write, state, field, stage, policy=policy, value=value, gate=gate, now=now)


def apply(state: FieldState, decision: Decision) -> FieldState:
    """The field's state after ``decision``: the new version after ``FieldApplied``, else as is.

    Raises ``StateMismatch`` when an applied decision was made against another state.
    """
    if not isinstance(decision, FieldApplied):
        return state
    write = decision.write
    if (
        write.person != state.person
        or write.field != state.field
        or decision.previous_version != state.version
    ):
        raise StateMismatch(
            f"decision for write {write.idempotency_key} was made against version "
            f"{decision.previous_version} of field {write.field!r} of person {write.person}, "
            f"not against version {state.version} of field {state.field!r} of person "
            f"{state.person}; decide the write again against the current state"
        )
    return FieldState(
        person=state.person,
        field=state.field,
        value=decision.value,
        version=decision.new_version,
        provenance=write.provenance,
        system=write.source_system,
        role=write.role,
        occurred_at=write.occurred_at,
        idempotency_key=write.idempotency_key,
    )


def _check(write: Write, state: FieldState, prior: FirstDecision | None, now: datetime) -> None:
    if write.person != state.person or write.field != state.field:
        raise StateMismatch(
            f"write {write.idempotency_key} is for field {write.field!r} of person "
            f"{write.person}, but the state given is of field {state.field!r} of person "
            f"{state.person}; pass that field's own state"
        )
    if prior is not None and prior.write.idempotency_key != write.idempotency_key:
        raise StateMismatch(
            f"the prior decision given for write {write.idempotency_key} is for key "
            f"{prior.write.idempotency_key}; pass the first decision recorded for this key"
        )
    if write.occurred_at.tzinfo is None or now.tzinfo is None:
        raise NaiveTimestamp(
            f"write {write.idempotency_key}: occurred_at and now must carry a timezone "
            "(use datetime(..., tzinfo=UTC))"
        )


def _stale(
    write: Write,
    state: FieldState,
    field: FieldPolicy,
    stage: str,
    *,
    policy: Policy,
    value: str | None,
    gate: Gate,
    now: datetime,
) -> Decision:
    """Step 5: the writer did not see the current value; the row's rules settle it."""
    incoming = Contender(
        write.source_system, write.role, write.provenance, write.occurred_at, gate is Gate.OWNER
    )
    current_owner = is_stage_owner(field, stage, state.system, state.role)
    current = Contender(
        state.system, state.role, state.provenance, state.occurred_at, current_owner
    )
    rules = (field.rule, *field.fallback_rules)
    verdict, rule = judge(rules, incoming, current)
    lead = (
        f"{write.source_system} as {write.role} wrote field {field.name!r} of person "
        f"{write.person} on version {write.base_version}, but the field is at version "
        f"{state.version} from {state.system}"
    )
    if verdict is Verdict.APPLY:
        why = f"{lead}; rule {rule} lets this write replace the current value"
        return applied(write, state, policy, value=value, rule=rule.value, why=why)
    if verdict is Verdict.REJECT:
        why = (
            f"{lead}; rule {rule} keeps the current value. Re-read the field and write on "
            f"version {state.version} (matrix {policy.label}, row {field.name})"
        )
        return rejected(write, policy, RejectReason.STALE, rule.value, why)
    why = f"{lead}; {', then '.join(rules)} cannot decide between them"
    return escalated(write, state, field, policy, rule=rule.value, now=now, why=why)


def _blind(
    write: Write,
    state: FieldState,
    field: FieldPolicy,
    policy: Policy,
    *,
    value: str | None,
    now: datetime,
) -> Decision:
    """Step 6: no base version over an existing value; precedence (or the source's own order)."""
    same_source = write.source_system == state.system
    order = recency(write.occurred_at, state.occurred_at) if same_source else 0
    if order == 0:
        order = ladder(write.provenance, write.occurred_at, state.provenance, state.occurred_at)
    basis = "by its own order of events" if same_source else "by the precedence ladder"
    lead = (
        f"{write.source_system} as {write.role} wrote field {field.name!r} of person "
        f"{write.person} without a base version over version {state.version} from "
        f"{state.system}"
    )
    if order > 0:
        why = f"{lead}; {basis} this write is newer or outranks it"
        return applied(write, state, policy, value=value, rule=_LADDER, why=why)
    if order < 0:
        why = (
            f"{lead}; {basis} the current value is newer or outranks it. Write on version "
            f"{state.version} to replace it (matrix {policy.label}, row {field.name})"
        )
        return rejected(write, policy, RejectReason.SUPERSEDED, _LADDER, why)
    why = f"{lead}; same provenance at the same instant is an exact tie"
    return escalated(write, state, field, policy, rule=_LADDER, now=now, why=why)


def _fresh(
    write: Write, state: FieldState, policy: Policy, *, value: str | None, owner: bool, stage: str
) -> FieldApplied:
    """The common case, kept to one allocation and one string: a write on the current version."""
    new = state.version + 1
    return FieldApplied(
        write=write,
        value=value,
        previous_version=state.version,
        new_version=new,
        rule=_OWNER if owner else _SECONDARY_WRITER,
        matrix_version=policy.version,
        explanation=(
            f"{write.source_system} as {write.role} "
            f"{'owns' if owner else 'is an allowed secondary writer of'} field {write.field!r} "
            f"of person {write.person} at stage {stage} and wrote on the current version; "
            f"applied as version {new} (matrix {policy.name} v{policy.version})"
        ),
    )

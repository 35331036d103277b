"""The conflict queue through the engine: resolution by the owner, overdue escalation once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from splitbrain.engine.domain.audit import AuditOutcome
from splitbrain.engine.domain.conflicts import ConflictStatus
from splitbrain.engine.domain.decisions import ConflictEscalated, FieldApplied
from splitbrain.engine.domain.errors import ResolutionReasonMissing, ResolverNotEscalationOwner
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.commands import ResolveConflict
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import UnknownConflict
from splitbrain.engine.service_layer.events import RESOLUTION_RULE
from tests.unit.service_layer.small_policy import Writes


def _escalate(engine: Engine, writes: Writes) -> ConflictEscalated:
    engine.ingest(writes("lead_source", "web_form"))
    decision = engine.ingest(writes("lead_source", "referral", base=0))
    assert isinstance(decision, ConflictEscalated)
    return decision


def test_owner_resolution_applies_the_chosen_write_as_a_new_version(
    engine: Engine, writes: Writes, clock: FixedClock
) -> None:
    escalated = _escalate(engine, writes)
    clock.advance(timedelta(hours=3))

    events = engine.handle(
        ResolveConflict(
            escalated.conflict_id,
            "usr_9",
            "growth_ops",
            "campaign log checked",
            escalated.write.idempotency_key,
        )
    )

    applied = [event for event in events if isinstance(event, FieldApplied)]
    assert [(a.rule, a.previous_version, a.new_version) for a in applied] == [
        (RESOLUTION_RULE, 1, 2)
    ]
    state = engine.field("per_0001", "lead_source")
    assert (state.value, state.version) == ("referral", 2)
    item = engine.conflict(escalated.conflict_id)
    assert item.status is ConflictStatus.RESOLVED
    assert item.resolution is not None and item.resolution.resolved_at == clock.now()
    assert engine.conflicts() == []


def test_choosing_the_current_value_keeps_it_without_a_new_version(
    engine: Engine, writes: Writes
) -> None:
    escalated = _escalate(engine, writes)
    current_key = escalated.competing_key
    assert current_key is not None

    engine.resolve(
        escalated.conflict_id,
        resolver="usr_9",
        role="growth_ops",
        reason="first value stands",
        chosen_key=current_key,
    )

    state = engine.field("per_0001", "lead_source")
    assert (state.value, state.version) == ("web_form", 1)


def test_resolution_audit_entry_holds_a_fingerprint_of_the_reason_not_the_reason(
    engine: Engine, writes: Writes
) -> None:
    escalated = _escalate(engine, writes)

    engine.resolve(
        escalated.conflict_id,
        resolver="usr_9",
        role="growth_ops",
        reason="spoke with Ana Silva",
        chosen_key=escalated.write.idempotency_key,
    )

    resolved = [e for e in engine.audit_entries() if e.event.action == "conflict.resolve"]
    [entry] = resolved
    assert "Ana" not in entry.event.canonical_bytes().decode()
    assert dict(entry.event.extra)["reason_fingerprint"].startswith("fp1:")


def test_only_the_escalation_owner_may_resolve_and_nothing_changes_otherwise(
    engine: Engine, writes: Writes
) -> None:
    escalated = _escalate(engine, writes)
    entries_before = len(engine.audit_entries())

    with pytest.raises(ResolverNotEscalationOwner, match="growth_ops"):
        engine.resolve(
            escalated.conflict_id,
            resolver="usr_5",
            role="support_lead",
            reason="looks right",
            chosen_key=escalated.write.idempotency_key,
        )

    assert engine.conflict(escalated.conflict_id).status is ConflictStatus.OPEN
    assert engine.field("per_0001", "lead_source").version == 1
    assert len(engine.audit_entries()) == entries_before


def test_a_resolution_needs_a_reason(engine: Engine, writes: Writes) -> None:
    escalated = _escalate(engine, writes)

    with pytest.raises(ResolutionReasonMissing):
        engine.resolve(
            escalated.conflict_id,
            resolver="usr_9",
            role="growth_ops",
            reason="  ",
            chosen_key=escalated.write.idempotency_key,
        )


def test_resolving_an_unknown_conflict_names_it(engine: Engine) -> None:
    with pytest.raises(UnknownConflict, match="cf_nope"):
        engine.resolve("cf_nope", resolver="usr_9", role="growth_ops", reason="x", chosen_key="k")


def test_overdue_conflict_escalates_exactly_once(
    engine: Engine, writes: Writes, clock: FixedClock
) -> None:
    escalated = _escalate(engine, writes)

    clock.advance(timedelta(hours=23))
    early = engine.escalate_overdue()
    clock.advance(timedelta(hours=2))
    late = engine.escalate_overdue()
    clock.advance(timedelta(hours=30))
    again = engine.escalate_overdue()

    assert early == [] and again == []
    assert [event.conflict_id for event in late] == [escalated.conflict_id]
    assert engine.conflict(escalated.conflict_id).overdue_escalated_at == late[0].escalated_at
    overdue = [e for e in engine.audit_entries() if e.event.action == "conflict.overdue"]
    assert [e.event.outcome for e in overdue] == [AuditOutcome.ESCALATED]


def test_a_resolved_conflict_never_escalates(
    engine: Engine, writes: Writes, clock: FixedClock
) -> None:
    escalated = _escalate(engine, writes)
    engine.resolve(
        escalated.conflict_id,
        resolver="usr_9",
        role="growth_ops",
        reason="done",
        chosen_key=escalated.write.idempotency_key,
    )

    clock.advance(timedelta(days=3))

    assert engine.escalate_overdue() == []

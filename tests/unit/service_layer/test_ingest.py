"""Ingesting writes through the message bus: apply, reject, escalate, and record each once."""

from __future__ import annotations

from splitbrain.engine.domain.audit import AuditOutcome
from splitbrain.engine.domain.conflicts import ConflictStatus
from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    DuplicateDelivery,
    FieldApplied,
    RejectReason,
    WriteRejected,
)
from splitbrain.engine.service_layer.commands import IngestWrite
from splitbrain.engine.service_layer.engine import Engine
from tests.unit.service_layer.small_policy import DAY, T0, Writes


def test_owner_write_is_applied_as_version_one_and_audited(engine: Engine, writes: Writes) -> None:
    write = writes("lead_source", "web_form")

    decision = engine.ingest(write)

    assert isinstance(decision, FieldApplied)
    state = engine.field("per_0001", "lead_source")
    assert (state.value, state.version, state.idempotency_key) == (
        "web_form",
        1,
        write.idempotency_key,
    )
    [entry] = engine.audit_entries()
    assert entry.event.outcome is AuditOutcome.APPLIED
    assert entry.event.field_names == ("lead_source",)


def test_crm_cannot_overwrite_ehr_owned_medication_plan(engine: Engine, writes: Writes) -> None:
    write = writes("medication_plan", "plan-a", system="crm", role="growth_ops")

    decision = engine.ingest(write)

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.NOT_OWNER
    assert engine.field("per_0001", "medication_plan").version == 0
    [entry] = engine.audit_entries()
    assert (entry.event.outcome, entry.event.reason) == (AuditOutcome.REJECTED, "not_owner")


def test_stale_write_under_manual_review_opens_a_conflict_for_the_escalation_owner(
    engine: Engine, writes: Writes
) -> None:
    first = engine.ingest(writes("lead_source", "web_form"))
    stale = writes("lead_source", "referral", base=0)

    decision = engine.ingest(stale)

    assert isinstance(first, FieldApplied) and isinstance(decision, ConflictEscalated)
    [item] = engine.conflicts()
    assert item.conflict_id == decision.conflict_id
    assert item.competing_keys == (stale.idempotency_key, first.write.idempotency_key)
    assert (item.escalation_owner, item.created_at, item.due_at) == ("growth_ops", T0, T0 + DAY)
    assert item.status is ConflictStatus.OPEN
    assert engine.field("per_0001", "lead_source").value == "web_form"


def test_duplicate_delivery_has_no_second_effect(engine: Engine, writes: Writes) -> None:
    write = writes("lead_source", "web_form")
    first = engine.ingest(write)

    again = engine.ingest(write)

    assert isinstance(again, DuplicateDelivery) and again.first == first
    assert engine.field("per_0001", "lead_source").version == 1
    assert engine.metrics().duplicate_deliveries == 1
    assert [e.event.outcome for e in engine.audit_entries()] == [
        AuditOutcome.APPLIED,
        AuditOutcome.DUPLICATE,
    ]


def test_redelivered_escalation_does_not_open_a_second_conflict(
    engine: Engine, writes: Writes
) -> None:
    engine.ingest(writes("lead_source", "web_form"))
    stale = writes("lead_source", "referral", base=0)
    engine.ingest(stale)

    again = engine.ingest(stale)

    assert isinstance(again, DuplicateDelivery)
    assert len(engine.conflicts(open_only=False)) == 1


def test_reused_key_with_another_payload_is_rejected(engine: Engine, writes: Writes) -> None:
    write = writes("lead_source", "web_form")
    engine.ingest(write)
    reuse = writes("lead_source", "referral", idempotency_key=write.idempotency_key)

    decision = engine.ingest(reuse)

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.IDEMPOTENCY_KEY_REUSE
    assert engine.field("per_0001", "lead_source").value == "web_form"


def test_ownership_follows_the_stage_field(engine: Engine, writes: Writes) -> None:
    assert engine.stage("per_0001") == "lead"
    engine.ingest(writes("care_stage", "Active Patient", system="crm"))

    crm = engine.ingest(writes("legal_name", "name-a", system="crm", base=0))
    ehr = engine.ingest(writes("legal_name", "name-b", system="ehr", role="provider", base=0))

    assert engine.stage("per_0001") == "in_care"
    assert isinstance(crm, WriteRejected) and crm.reason is RejectReason.NOT_OWNER
    assert isinstance(ehr, FieldApplied)


def test_handle_returns_every_event_the_command_raised(engine: Engine, writes: Writes) -> None:
    events = engine.handle(IngestWrite(writes("lead_source", "web_form")))

    assert [type(event) for event in events] == [FieldApplied]

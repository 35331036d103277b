"""Step 6 of decide(): blind writes (no base version) and the default precedence ladder."""

from __future__ import annotations

import hashlib

from splitbrain.engine.domain.decide import decide
from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    FieldApplied,
    RejectReason,
    WriteRejected,
)
from splitbrain.engine.domain.outcomes import conflict_id
from splitbrain.engine.domain.policy import Policy, Provenance
from splitbrain.engine.domain.write import FieldState
from tests.unit.engine.builders import PERSON, T0, a_state, a_write, minutes

_PV = Provenance.PROVIDER_VERIFIED
_VW = Provenance.VALIDATED_WORKFLOW
_UE = Provenance.USER_ENTERED
_AU = Provenance.AUTOMATION


def _email_state(system: str, role: str, provenance: Provenance, at_minute: float) -> FieldState:
    return a_state(
        "email", version=3, system=system, role=role, provenance=provenance, at=minutes(at_minute)
    )


def test_blind_write_to_a_field_never_written_applies(policy: Policy) -> None:
    write = a_write("email", system="portal", role="patient", provenance=_AU)

    decision = decide(write, FieldState.empty(PERSON, "email"), "lead", policy, prior=None, now=T0)

    assert isinstance(decision, FieldApplied)
    assert (decision.previous_version, decision.new_version) == (0, 1)
    assert decision.rule == "secondary_writer"


def test_blind_validated_write_outranks_another_sources_user_entered_value(
    policy: Policy,
) -> None:
    state = _email_state("crm", "support", _UE, at_minute=30)
    write = a_write("email", system="ehr", role="front_desk", provenance=_VW, at=minutes(0))

    decision = decide(write, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, FieldApplied)
    assert decision.rule == "precedence_ladder"
    assert decision.new_version == 4


def test_later_automation_never_overwrites_a_user_entered_value_blind(policy: Policy) -> None:
    state = _email_state("portal", "patient", _UE, at_minute=0)
    write = a_write("email", system="crm", role="automation", provenance=_AU, at=minutes(600))

    decision = decide(write, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.SUPERSEDED
    assert decision.rule == "precedence_ladder"
    assert "Write on version 3 to replace it" in decision.explanation


def test_same_provenance_from_another_source_is_decided_by_the_later_time(
    policy: Policy,
) -> None:
    state = _email_state("crm", "support", _UE, at_minute=10)
    later = a_write("email", system="portal", role="patient", provenance=_UE, at=minutes(11))
    earlier = a_write("email", system="portal", role="patient", provenance=_UE, at=minutes(9))

    won = decide(later, state, "in_care", policy, prior=None, now=T0)
    lost = decide(earlier, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(won, FieldApplied)
    assert isinstance(lost, WriteRejected)
    assert lost.reason is RejectReason.SUPERSEDED


def test_exact_tie_between_sources_escalates_to_the_rows_escalation_owner(
    policy: Policy,
) -> None:
    state = a_state(
        "email", version=3, system="crm", role="support", provenance=_UE, at=T0, key="crm:evt-7"
    )
    write = a_write("email", system="portal", role="patient", provenance=_UE, at=T0)
    now = minutes(5)

    decision = decide(write, state, "in_care", policy, prior=None, now=now)

    assert isinstance(decision, ConflictEscalated)
    assert decision.rule == "precedence_ladder"
    assert decision.escalation_owner == "support_lead"
    assert decision.due_at == now + policy.fields["email"].sla
    assert decision.competing_key == "crm:evt-7"
    assert decision.conflict_id == conflict_id(write.idempotency_key)
    assert "exact tie" in decision.explanation


def test_conflict_id_is_cf_and_a_sha256_prefix_of_the_idempotency_key() -> None:
    digest = hashlib.sha256(b"crm:evt-81").hexdigest()

    assert conflict_id("crm:evt-81") == "cf_" + digest[:16]


def test_blind_write_from_the_same_source_follows_its_own_order_of_events(
    policy: Policy,
) -> None:
    state = _email_state("crm", "support", _VW, at_minute=10)
    newer = a_write("email", system="crm", role="automation", provenance=_AU, at=minutes(11))
    older = a_write("email", system="crm", role="support", provenance=_PV, at=minutes(9))

    applied = decide(newer, state, "in_care", policy, prior=None, now=T0)
    superseded = decide(older, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(applied, FieldApplied)
    assert isinstance(superseded, WriteRejected)
    assert superseded.reason is RejectReason.SUPERSEDED
    assert "by its own order of events" in superseded.explanation


def test_same_source_at_the_same_instant_falls_back_to_the_ladder(policy: Policy) -> None:
    state = _email_state("crm", "support", _UE, at_minute=10)
    write = a_write("email", system="crm", role="support", provenance=_VW, at=minutes(10))

    decision = decide(write, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, FieldApplied)


def test_provider_update_outranks_an_intake_edit_of_the_legal_name_blind(policy: Policy) -> None:
    state = a_state("legal_name", version=2, system="crm", role="intake_ops", at=minutes(30))
    write = a_write("legal_name", system="ehr", role="provider", provenance=_PV, at=minutes(0))

    decision = decide(write, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, FieldApplied)
    assert decision.rule == "precedence_ladder"


def test_seeded_value_without_provenance_ranks_below_any_write(policy: Policy) -> None:
    state = a_state("email", version=1, system=None, role=None, provenance=None, at=None, key=None)
    write = a_write("email", system="crm", role="automation", provenance=_AU)

    decision = decide(write, state, "lead", policy, prior=None, now=T0)

    assert isinstance(decision, FieldApplied)

"""Stale writes through decide(): each row of the telehealth matrix asks its own rule."""

from __future__ import annotations

from splitbrain.engine.domain.decide import decide
from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    FieldApplied,
    RejectReason,
    WriteRejected,
)
from splitbrain.engine.domain.policy import Policy, Provenance
from tests.unit.engine.builders import T0, a_state, a_write, minutes

_PV = Provenance.PROVIDER_VERIFIED
_VW = Provenance.VALIDATED_WORKFLOW
_UE = Provenance.USER_ENTERED
_AU = Provenance.AUTOMATION


def test_provider_update_overrides_an_intake_edit_of_the_legal_name(policy: Policy) -> None:
    state = a_state("legal_name", version=2, system="crm", role="intake_ops", at=minutes(30))
    write = a_write(
        "legal_name", system="ehr", role="provider", provenance=_PV, base=1, at=minutes(10)
    )

    decision = decide(write, state, "intake", policy, prior=None, now=T0)

    assert isinstance(decision, FieldApplied)
    assert decision.rule == "provider_verified_overrides"
    assert (decision.previous_version, decision.new_version) == (2, 3)


def test_intake_edit_never_replaces_a_provider_verified_legal_name(policy: Policy) -> None:
    state = a_state("legal_name", version=2, system="ehr", role="provider", provenance=_PV)
    write = a_write("legal_name", system="crm", role="intake_ops", base=1, at=minutes(30))

    decision = decide(write, state, "intake", policy, prior=None, now=T0)

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.STALE
    assert decision.rule == "provider_verified_overrides"
    assert "write on version 2" in decision.explanation


def test_stage_owner_wins_legal_name_when_no_side_is_provider_verified(policy: Policy) -> None:
    state = a_state("legal_name", version=3, system="crm", role="intake_ops", at=minutes(30))
    write = a_write(
        "legal_name", system="ehr", role="front_desk", provenance=_UE, base=2, at=minutes(1)
    )

    decision = decide(write, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, FieldApplied)
    assert decision.rule == "stage_owner_wins"


def test_two_non_owners_of_the_legal_name_escalate_to_clinical_ops(policy: Policy) -> None:
    state = a_state(
        "legal_name", version=3, system="crm", role="growth_ops", at=minutes(30), key="crm:e1"
    )
    write = a_write("legal_name", system="crm", role="intake_ops", base=2, at=minutes(40))

    decision = decide(write, state, "in_care", policy, prior=None, now=minutes(60))

    assert isinstance(decision, ConflictEscalated)
    assert decision.rule == "provider_verified_overrides"
    assert decision.escalation_owner == "clinical_ops"
    assert decision.due_at == minutes(60 + 4 * 60)
    assert decision.competing_key == "crm:e1"
    assert "provider_verified_overrides, then stage_owner_wins cannot decide" in (
        decision.explanation
    )


def test_older_ehr_date_of_birth_from_a_retried_sync_is_rejected_as_stale(policy: Policy) -> None:
    state = a_state("date_of_birth", version=2, system="ehr", role="front_desk", at=minutes(20))
    retried = a_write("date_of_birth", system="ehr", role="front_desk", base=1, at=minutes(5))

    decision = decide(retried, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.STALE
    assert decision.rule == "owner_authoritative"


def test_clinical_ops_stale_care_stage_never_replaces_the_crm_owners_stage(
    policy: Policy,
) -> None:
    state = a_state("care_stage", version=4, system="crm", role="intake_ops", value="qualified")
    write = a_write(
        "care_stage", system="crm", role="clinical_ops", value="Discharged", base=3, at=minutes(9)
    )

    decision = decide(write, state, "qualified", policy, prior=None, now=T0)

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.STALE
    assert decision.rule == "owner_authoritative"


def test_concurrent_medication_plan_edits_go_to_the_medical_lead(policy: Policy) -> None:
    state = a_state("medication_plan", version=5, system="ehr", role="provider", provenance=_PV)
    write = a_write(
        "medication_plan", system="ehr", role="provider", provenance=_PV, base=4, at=minutes(3)
    )

    decision = decide(write, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, ConflictEscalated)
    assert decision.rule == "manual_review"
    assert decision.escalation_owner == "medical_lead"


def test_validated_follow_up_completion_replaces_a_coordinators_manual_mark(
    policy: Policy,
) -> None:
    state = a_state(
        "follow_up_completion", version=1, system="crm", role="care_coordinator", at=minutes(30)
    )
    event = a_write(
        "follow_up_completion", system="ehr", role="provider", provenance=_VW, base=0, at=minutes(5)
    )

    decision = decide(event, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, FieldApplied)
    assert decision.rule == "most_recent_validated"


def test_two_unvalidated_follow_up_marks_escalate_to_clinical_ops(policy: Policy) -> None:
    state = a_state("follow_up_completion", version=1, system="crm", role="care_coordinator")
    write = a_write(
        "follow_up_completion", system="crm", role="care_coordinator", base=0, at=minutes(5)
    )

    decision = decide(write, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, ConflictEscalated)
    assert decision.escalation_owner == "clinical_ops"


def test_patients_portal_choice_beats_a_crm_edit_made_at_the_same_time(policy: Policy) -> None:
    state = a_state("contact_preference", version=2, system="crm", role="support", at=minutes(1))
    write = a_write(
        "contact_preference", system="portal", role="patient", value="call me", base=1, at=T0
    )

    decision = decide(write, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, FieldApplied)
    assert decision.rule == "most_recent_patient_confirmed"
    assert decision.value == "phone"


def test_crm_edit_never_replaces_the_patients_portal_choice(policy: Policy) -> None:
    state = a_state("contact_preference", version=2, system="portal", role="patient", at=T0)
    write = a_write(
        "contact_preference", system="crm", role="support", value="SMS", base=1, at=minutes(1)
    )

    decision = decide(write, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.STALE


def test_stale_automation_email_loses_to_a_patient_entry_on_the_ladder(policy: Policy) -> None:
    state = a_state("email", version=2, system="portal", role="patient", provenance=_UE, at=T0)
    write = a_write(
        "email", system="crm", role="automation", provenance=_AU, base=1, at=minutes(60)
    )

    decision = decide(write, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.STALE
    assert decision.rule == "precedence_ladder"

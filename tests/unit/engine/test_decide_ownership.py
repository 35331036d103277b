"""Step 3 of decide(): the owner at the person's stage, secondary writers, immutability."""

from __future__ import annotations

from dataclasses import replace

import pytest

from splitbrain.engine.domain.decide import decide
from splitbrain.engine.domain.decisions import Decision, FieldApplied, RejectReason, WriteRejected
from splitbrain.engine.domain.policy import Policy, SecondaryWriter, StageOwner
from splitbrain.engine.domain.write import FieldState, Write
from tests.unit.engine.builders import PERSON, T0, a_write
from tests.unit.engine.telehealth_policy import IN_CARE


def _decide(policy: Policy, write: Write, stage: str) -> Decision:
    return decide(
        write, FieldState.empty(write.person, write.field), stage, policy, prior=None, now=T0
    )


def test_crm_cannot_overwrite_ehr_owned_medication_plan(policy: Policy) -> None:
    write = a_write("medication_plan", system="crm", role="growth_ops")

    decision = _decide(policy, write, "in_care")

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.NOT_OWNER
    assert decision.rule == "ownership"
    assert decision.explanation == (
        f"field 'medication_plan' of person {PERSON} is owned by ehr (roles: provider) at stage "
        "in_care; crm may not write it: the row is immutable outside its owner "
        "(matrix telehealth v3, row medication_plan)"
    )


def test_crm_cannot_write_ehr_owned_date_of_birth(policy: Policy) -> None:
    write = a_write("date_of_birth", system="crm", role="intake_ops")

    decision = _decide(policy, write, "intake")

    assert isinstance(decision, WriteRejected)
    assert decision.explanation == (
        f"field 'date_of_birth' of person {PERSON} is owned by ehr at stage intake; crm may not "
        "write it (matrix telehealth v3, row date_of_birth)"
    )


def test_ehr_nurse_cannot_write_provider_only_medication_plan(policy: Policy) -> None:
    write = a_write("medication_plan", system="ehr", role="nurse")

    decision = _decide(policy, write, "in_care")

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.NOT_OWNER
    assert "ehr as nurse may not write it" in decision.explanation


def test_ehr_provider_owns_medication_plan(policy: Policy) -> None:
    write = a_write("medication_plan", system="ehr", role="provider")

    decision = _decide(policy, write, "in_care")

    assert isinstance(decision, FieldApplied)
    assert decision.rule == "owner"


def test_immutable_row_refuses_a_secondary_writer_of_another_system(policy: Policy) -> None:
    fields = dict(policy.fields)
    fields["medication_plan"] = replace(
        fields["medication_plan"], secondary=(SecondaryWriter(system="crm", role="clinical_ops"),)
    )
    loose = replace(policy, fields=fields)
    write = a_write("medication_plan", system="crm", role="clinical_ops")

    decision = _decide(loose, write, "in_care")

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.NOT_OWNER
    assert "immutable outside its owner" in decision.explanation


def test_immutable_row_still_admits_a_secondary_role_of_the_owner_system(policy: Policy) -> None:
    fields = dict(policy.fields)
    fields["medication_plan"] = replace(
        fields["medication_plan"], secondary=(SecondaryWriter(system="ehr", role="nurse"),)
    )
    loose = replace(policy, fields=fields)
    write = a_write("medication_plan", system="ehr", role="nurse")

    decision = _decide(loose, write, "in_care")

    assert isinstance(decision, FieldApplied)
    assert decision.rule == "secondary_writer"


@pytest.mark.parametrize(
    ("stage", "system", "role", "rule"),
    [
        ("lead", "crm", "growth_ops", "owner"),
        ("qualified", "crm", "growth_ops", "owner"),
        ("in_care", "ehr", "front_desk", "owner"),
        ("discharged", "ehr", "front_desk", "owner"),
        ("in_care", "crm", "intake_ops", "secondary_writer"),
        ("intake", "ehr", "provider", "secondary_writer"),
    ],
)
def test_legal_name_is_crm_owned_before_care_and_ehr_owned_from_care(
    policy: Policy, stage: str, system: str, role: str, rule: str
) -> None:
    decision = _decide(policy, a_write("legal_name", system=system, role=role), stage)

    assert isinstance(decision, FieldApplied)
    assert decision.rule == rule


@pytest.mark.parametrize(
    ("stage", "system", "role", "owner"),
    [
        ("in_care", "crm", "growth_ops", "ehr"),
        ("intake", "ehr", "front_desk", "crm"),
        ("lead", "portal", "patient", "crm"),
    ],
)
def test_legal_name_refuses_writers_the_stage_does_not_allow(
    policy: Policy, stage: str, system: str, role: str, owner: str
) -> None:
    decision = _decide(policy, a_write("legal_name", system=system, role=role), stage)

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.NOT_OWNER
    assert f"is owned by {owner} at stage {stage}; {system} may not write it" in (
        decision.explanation
    )


@pytest.mark.parametrize(
    ("local", "canonical"), [("Active Patient", "in_care"), ("discharged", "discharged")]
)
def test_clinical_ops_may_move_care_stage_to_a_clinical_state(
    policy: Policy, local: str, canonical: str
) -> None:
    write = a_write("care_stage", system="crm", role="clinical_ops", value=local)

    decision = _decide(policy, write, "qualified")

    assert isinstance(decision, FieldApplied)
    assert decision.rule == "secondary_writer"
    assert decision.value == canonical


def test_clinical_ops_may_not_move_care_stage_back_to_lead(policy: Policy) -> None:
    write = a_write("care_stage", system="crm", role="clinical_ops", value="New Lead")

    decision = _decide(policy, write, "in_care")

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.NOT_OWNER
    assert "crm as clinical_ops may write it only at other stages or to other values" in (
        decision.explanation
    )
    assert "lead" not in decision.explanation.split("only")[1]


def test_patient_in_the_portal_may_change_contact_preference(policy: Policy) -> None:
    write = a_write("contact_preference", system="portal", role="patient", value="call me")

    decision = _decide(policy, write, "in_care")

    assert isinstance(decision, FieldApplied)
    assert decision.rule == "secondary_writer"


def test_portal_staff_may_not_change_contact_preference(policy: Policy) -> None:
    write = a_write("contact_preference", system="portal", role="support", value="call me")

    decision = _decide(policy, write, "in_care")

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.NOT_OWNER


def test_stage_the_row_leaves_without_owner_is_named_as_a_gap(policy: Policy) -> None:
    fields = dict(policy.fields)
    fields["legal_name"] = replace(
        fields["legal_name"], owners=(StageOwner("ehr", IN_CARE),), secondary=()
    )
    gappy = replace(policy, fields=fields)

    decision = _decide(gappy, a_write("legal_name", system="crm", role="growth_ops"), "lead")

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.NOT_OWNER
    assert "has no owner at stage lead" in decision.explanation

"""apply(): the field's state after a decision."""

from __future__ import annotations

from dataclasses import replace

import pytest

from splitbrain.engine.domain.decide import apply, decide
from splitbrain.engine.domain.decisions import DuplicateDelivery, FieldApplied
from splitbrain.engine.domain.errors import StateMismatch
from splitbrain.engine.domain.policy import Policy, Provenance
from splitbrain.engine.domain.write import FieldState
from tests.unit.engine.builders import PERSON, T0, a_state, a_write, minutes


def test_applied_write_becomes_the_fields_value_with_its_attribution(policy: Policy) -> None:
    state = FieldState.empty(PERSON, "care_stage")
    write = a_write("care_stage", system="crm", role="growth_ops", value="Qualified", at=minutes(3))
    decision = decide(write, state, "lead", policy, prior=None, now=T0)

    after = apply(state, decision)

    assert after == FieldState(
        person=PERSON,
        field="care_stage",
        value="qualified",
        version=1,
        provenance=Provenance.USER_ENTERED,
        system="crm",
        role="growth_ops",
        occurred_at=minutes(3),
        idempotency_key=write.idempotency_key,
    )


def test_rejections_escalations_and_duplicates_leave_the_state_as_it_was(policy: Policy) -> None:
    state = a_state("medication_plan", version=2, system="ehr", role="provider")
    rejected = decide(
        a_write("medication_plan", system="crm", role="support"),
        state,
        "in_care",
        policy,
        prior=None,
        now=T0,
    )
    provider = a_write("medication_plan", system="ehr", role="provider", base=1)
    escalated = decide(provider, state, "in_care", policy, prior=None, now=T0)
    assert not isinstance(escalated, DuplicateDelivery)
    duplicate = decide(provider, state, "in_care", policy, prior=escalated, now=T0)

    for decision in (rejected, escalated, duplicate):
        assert apply(state, decision) is state


def test_applying_a_decision_made_against_another_version_is_refused(policy: Policy) -> None:
    state = a_state("email", version=3)
    decision = decide(
        a_write("email", system="crm", role="support", base=3),
        state,
        "lead",
        policy,
        prior=None,
        now=T0,
    )
    assert isinstance(decision, FieldApplied)

    with pytest.raises(StateMismatch, match="version 3"):
        apply(replace(state, version=4), decision)


def test_applying_a_decision_to_another_field_is_refused(policy: Policy) -> None:
    state = a_state("email", version=3)
    decision = decide(
        a_write("email", system="crm", role="support", base=3),
        state,
        "lead",
        policy,
        prior=None,
        now=T0,
    )

    with pytest.raises(StateMismatch):
        apply(replace(state, field="mobile_phone"), decision)

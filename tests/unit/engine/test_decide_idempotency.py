"""Step 1 of decide(): idempotency keys and unknown fields; broken input raises."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from splitbrain.engine.domain.decide import decide
from splitbrain.engine.domain.decisions import (
    DuplicateDelivery,
    FieldApplied,
    RejectReason,
    WriteRejected,
)
from splitbrain.engine.domain.errors import NaiveTimestamp, StateMismatch, UnknownStage
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.domain.write import FieldState
from tests.unit.engine.builders import PERSON, T0, a_state, a_write, minutes
from tests.unit.engine.ledger import Ledger


def test_redelivered_write_returns_the_first_decision_as_a_duplicate(ledger: Ledger) -> None:
    write = a_write("legal_name", system="crm", role="intake_ops")
    first = ledger.submit(write, T0)

    again = ledger.submit(write, minutes(5))

    assert isinstance(first, FieldApplied)
    assert again == DuplicateDelivery(write=write, first=first)
    assert ledger.state(PERSON, "legal_name").version == 1


def test_redelivery_with_another_correlation_id_is_still_a_duplicate(ledger: Ledger) -> None:
    write = a_write("legal_name", correlation_id="corr-1")
    first = ledger.submit(write, T0)

    again = ledger.submit(replace(write, correlation_id="corr-2"), minutes(1))

    assert isinstance(again, DuplicateDelivery)
    assert again.first is first


def test_duplicate_of_a_rejected_write_repeats_the_rejection(ledger: Ledger) -> None:
    write = a_write("medication_plan", system="crm", role="growth_ops")
    first = ledger.submit(write, T0)

    again = ledger.submit(write, minutes(1))

    assert isinstance(first, WriteRejected)
    assert isinstance(again, DuplicateDelivery)
    assert again.first == first


def test_reused_key_with_a_different_payload_is_rejected_as_key_reuse(ledger: Ledger) -> None:
    write = a_write("legal_name", key="crm:evt-81")
    ledger.submit(write, T0)

    reused = ledger.submit(replace(write, value="Another Synthetic-Name"), minutes(1))

    assert isinstance(reused, WriteRejected)
    assert reused.reason is RejectReason.IDEMPOTENCY_KEY_REUSE
    assert reused.rule == "idempotency"
    assert "crm:evt-81" in reused.explanation
    assert "Another" not in reused.explanation
    assert ledger.state(PERSON, "legal_name").version == 1


def test_write_to_a_field_the_matrix_does_not_list_is_rejected(policy: Policy) -> None:
    write = a_write("favourite_colour", value="teal")

    decision = decide(
        write, FieldState.empty(PERSON, "favourite_colour"), "lead", policy, prior=None, now=T0
    )

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.UNKNOWN_FIELD
    assert "'favourite_colour'" in decision.explanation
    assert "telehealth v3" in decision.explanation
    assert decision.matrix_version == "3"


def test_state_of_another_field_is_broken_input(policy: Policy) -> None:
    write = a_write("legal_name")

    with pytest.raises(StateMismatch, match="legal_name"):
        decide(write, a_state("email"), "lead", policy, prior=None, now=T0)


def test_prior_decision_of_another_key_is_broken_input(policy: Policy) -> None:
    other = a_write("legal_name", key="k-1")
    prior = decide(
        other, FieldState.empty(PERSON, "legal_name"), "lead", policy, prior=None, now=T0
    )
    assert isinstance(prior, FieldApplied)

    with pytest.raises(StateMismatch, match="k-2"):
        decide(
            a_write("legal_name", key="k-2"),
            FieldState.empty(PERSON, "legal_name"),
            "lead",
            policy,
            prior=prior,
            now=T0,
        )


def test_naive_timestamp_is_broken_input(policy: Policy) -> None:
    write = a_write("legal_name", at=datetime(2026, 1, 5, 9, 0))

    with pytest.raises(NaiveTimestamp):
        decide(write, FieldState.empty(PERSON, "legal_name"), "lead", policy, prior=None, now=T0)


def test_stage_the_matrix_does_not_list_is_broken_input(policy: Policy) -> None:
    write = a_write("legal_name")

    with pytest.raises(UnknownStage, match="'onboarding'"):
        decide(
            write, FieldState.empty(PERSON, "legal_name"), "onboarding", policy, prior=None, now=T0
        )

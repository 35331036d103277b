"""Step 4 (override reasons on critical fields) and step 5 (versions) of decide()."""

from __future__ import annotations

from datetime import datetime

import pytest

from splitbrain.engine.domain.decide import decide
from splitbrain.engine.domain.decisions import (
    ConflictEscalated,
    FieldApplied,
    RejectReason,
    WriteRejected,
)
from splitbrain.engine.domain.policy import Policy, Provenance
from splitbrain.engine.domain.write import FieldState, Write
from tests.unit.engine.builders import PERSON, T0, a_state, a_write, minutes


def _plan_by_provider(
    *, manual: bool = False, reason: str | None = None, base: int | None = None, at: datetime = T0
) -> Write:
    return a_write(
        "medication_plan",
        system="ehr",
        role="provider",
        provenance=Provenance.PROVIDER_VERIFIED,
        manual=manual,
        reason=reason,
        base=base,
        at=at,
    )


def test_manual_edit_of_a_critical_field_without_reason_is_rejected(policy: Policy) -> None:
    write = _plan_by_provider(manual=True)

    decision = decide(
        write, FieldState.empty(PERSON, "medication_plan"), "in_care", policy, prior=None, now=T0
    )

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.OVERRIDE_REASON_REQUIRED
    assert decision.rule == "override"
    assert "field 'medication_plan' is critical" in decision.explanation
    assert "override_reason" in decision.explanation


def test_blank_override_reason_counts_as_none(policy: Policy) -> None:
    write = _plan_by_provider(manual=True, reason="  ")

    decision = decide(
        write, FieldState.empty(PERSON, "medication_plan"), "in_care", policy, prior=None, now=T0
    )

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.OVERRIDE_REASON_REQUIRED


def test_manual_edit_of_a_critical_field_with_a_reason_applies(policy: Policy) -> None:
    write = _plan_by_provider(manual=True, reason="dose titration per visit note")

    decision = decide(
        write, FieldState.empty(PERSON, "medication_plan"), "in_care", policy, prior=None, now=T0
    )

    assert isinstance(decision, FieldApplied)


def test_synced_write_to_a_critical_field_needs_no_reason(policy: Policy) -> None:
    write = _plan_by_provider(manual=False)

    decision = decide(
        write, FieldState.empty(PERSON, "medication_plan"), "in_care", policy, prior=None, now=T0
    )

    assert isinstance(decision, FieldApplied)


def test_manual_edit_of_an_ordinary_field_needs_no_reason(policy: Policy) -> None:
    write = a_write("legal_name", manual=True)

    decision = decide(
        write, FieldState.empty(PERSON, "legal_name"), "lead", policy, prior=None, now=T0
    )

    assert isinstance(decision, FieldApplied)


def test_override_is_checked_after_ownership(policy: Policy) -> None:
    write = a_write("medication_plan", system="crm", role="growth_ops", manual=True)

    decision = decide(
        write, FieldState.empty(PERSON, "medication_plan"), "in_care", policy, prior=None, now=T0
    )

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.NOT_OWNER


def test_write_on_the_current_version_applies_as_the_next_version(policy: Policy) -> None:
    state = a_state("legal_name", version=4, system="ehr", role="provider")
    write = a_write("legal_name", system="crm", role="intake_ops", base=4, at=minutes(-60))

    decision = decide(write, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, FieldApplied)
    assert (decision.previous_version, decision.new_version) == (4, 5)
    assert decision.rule == "secondary_writer"
    assert decision.matrix_version == "3"
    assert "applied as version 5 (matrix telehealth v3)" in decision.explanation


@pytest.mark.parametrize("base", [5, 9, -1])
def test_base_version_the_field_never_had_is_invalid(policy: Policy, base: int) -> None:
    state = a_state("legal_name", version=4)
    write = a_write("legal_name", base=base)

    decision = decide(write, state, "lead", policy, prior=None, now=T0)

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.INVALID
    assert decision.rule == "version"
    assert f"claims base version {base}, but the field is at version 4" in decision.explanation


def test_stale_write_goes_to_the_rows_conflict_rule(policy: Policy) -> None:
    state = a_state("medication_plan", version=2, system="ehr", role="provider")
    write = _plan_by_provider(base=1, at=minutes(1))

    decision = decide(write, state, "in_care", policy, prior=None, now=T0)

    assert isinstance(decision, ConflictEscalated)
    assert decision.rule == "manual_review"
    assert decision.escalation_owner == "medical_lead"
    assert decision.due_at == T0 + policy.fields["medication_plan"].sla

"""Step 2 of decide(): value kinds and enum mapping; messages never carry the value."""

from __future__ import annotations

from dataclasses import replace

import pytest

from splitbrain.engine.domain.decide import decide
from splitbrain.engine.domain.decisions import Decision, FieldApplied, RejectReason, WriteRejected
from splitbrain.engine.domain.errors import PolicyIncomplete
from splitbrain.engine.domain.policy import Policy, ValueKind
from splitbrain.engine.domain.write import FieldState
from tests.unit.engine.builders import PERSON, T0, a_write

_WRITERS = {
    "date_of_birth": ("ehr", "front_desk"),
    "follow_up_completion": ("ehr", "care_coordinator"),
    "mobile_phone": ("crm", "support"),
    "email": ("crm", "support"),
    "legal_name": ("crm", "intake_ops"),
    "care_stage": ("crm", "intake_ops"),
    "contact_preference": ("crm", "support"),
    "clinical_status": ("ehr", "provider"),
}


def _decide(policy: Policy, field: str, value: str | None, system: str | None = None) -> Decision:
    default_system, role = _WRITERS[field]
    if system is not None:
        role = "patient" if system == "portal" else role
    write = a_write(field, system=system or default_system, role=role, value=value)
    return decide(write, FieldState.empty(PERSON, field), "lead", policy, prior=None, now=T0)


@pytest.mark.parametrize(
    ("field", "value", "canonical"),
    [
        ("date_of_birth", "1980-02-29", "1980-02-29"),
        ("date_of_birth", " 1975-12-01 ", "1975-12-01"),
        ("follow_up_completion", "Yes", "true"),
        ("follow_up_completion", "0", "false"),
        ("follow_up_completion", "TRUE", "true"),
        ("mobile_phone", "+1 (555) 010-0123", "+1 (555) 010-0123"),
        ("mobile_phone", "555.0100", "555.0100"),
        ("email", " Ana.Synthetic@EXAMPLE.org ", "Ana.Synthetic@example.org"),
        ("legal_name", "  Ana Synthetic ", "Ana Synthetic"),
    ],
)
def test_valid_value_is_stored_in_canonical_form(
    policy: Policy, field: str, value: str, canonical: str
) -> None:
    decision = _decide(policy, field, value)

    assert isinstance(decision, FieldApplied)
    assert decision.value == canonical


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("date_of_birth", "02/29/1980", "ISO calendar date"),
        ("date_of_birth", "1981-02-29", "ISO calendar date"),
        ("date_of_birth", "19800229", "ISO calendar date"),
        ("follow_up_completion", "maybe", "boolean"),
        ("mobile_phone", "call 5550100", "phone number"),
        ("mobile_phone", "+1 555", "phone number"),
        ("mobile_phone", "1+5550100123", "phone number"),
        ("email", "ana.synthetic.example.org", "email address"),
        ("email", "ana synthetic@example.org", "email address"),
        ("email", "ana@example", "email address"),
        ("legal_name", "   ", "non-blank text"),
        ("legal_name", "", "non-blank text"),
    ],
)
def test_value_of_the_wrong_form_is_rejected_naming_field_and_form_but_not_value(
    policy: Policy, field: str, value: str, expected: str
) -> None:
    write = a_write(field, system=_WRITERS[field][0], role=_WRITERS[field][1])
    write = replace(write, value=value)

    decision = decide(write, FieldState.empty(PERSON, field), "lead", policy, prior=None, now=T0)

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.INVALID
    assert decision.rule == "validation"
    assert f"field {field!r}" in decision.explanation
    assert expected in decision.explanation
    assert "telehealth v3" in decision.explanation
    if value.strip():
        assert value.strip() not in decision.explanation


def test_null_clears_a_field_of_any_kind(policy: Policy) -> None:
    for field in _WRITERS:
        decision = _decide(policy, field, None)

        assert isinstance(decision, FieldApplied), field
        assert decision.value is None


@pytest.mark.parametrize(
    ("field", "system", "local", "canonical"),
    [
        ("care_stage", "crm", "Active Patient", "in_care"),
        ("care_stage", "crm", "qualified", "qualified"),
        ("contact_preference", "crm", "Do not contact", "none"),
        ("contact_preference", "portal", "text message", "sms"),
        ("clinical_status", "ehr", "on-hold", "on_hold"),
        ("clinical_status", "ehr", "completed", "completed"),
    ],
)
def test_enum_value_is_mapped_from_the_source_systems_table_to_canonical(
    policy: Policy, field: str, system: str, local: str, canonical: str
) -> None:
    decision = _decide(policy, field, local, system)

    assert isinstance(decision, FieldApplied)
    assert decision.value == canonical


def test_enum_value_another_system_uses_has_no_mapping_for_this_system(policy: Policy) -> None:
    decision = _decide(policy, "contact_preference", "Phone call", "portal")

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.UNMAPPED_ENUM_VALUE
    assert decision.rule == "enum_mapping"
    assert "'contact_preference'" in decision.explanation
    assert "'contact_channel'" in decision.explanation
    assert "portal" in decision.explanation
    assert "Phone call" not in decision.explanation


def test_unmapped_crm_status_is_rejected_naming_the_table(policy: Policy) -> None:
    decision = _decide(policy, "care_stage", "Churned")

    assert isinstance(decision, WriteRejected)
    assert decision.reason is RejectReason.UNMAPPED_ENUM_VALUE
    assert "enum table 'care_stage'" in decision.explanation
    assert "Churned" not in decision.explanation


def test_enum_row_without_its_table_is_a_broken_policy(policy: Policy) -> None:
    fields = dict(policy.fields)
    fields["care_stage"] = replace(fields["care_stage"], enum="crm_pipeline")
    broken = replace(policy, fields=fields)

    with pytest.raises(PolicyIncomplete, match="crm_pipeline"):
        _decide(broken, "care_stage", "Qualified")


def test_the_test_policy_covers_every_value_kind(policy: Policy) -> None:
    kinds = {row.kind for row in policy.fields.values()}

    assert kinds == set(ValueKind)

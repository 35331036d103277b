"""Compiling the matrix into the engine's Policy: stage ranges become concrete stage sets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from splitbrain.engine.adapters.matrix_policy import compile_policy, load_policy
from splitbrain.engine.domain import policy as domain
from splitbrain.matrix import (
    ConflictRule,
    DisclosureClass,
    Matrix,
    MatrixFileError,
    MatrixLintError,
    SyncDirection,
    ValueKind,
    owner_at,
)
from tests.unit.matrix.matrices import BAD, TELEHEALTH, tiny

STAGES = ["lead", "intake", "qualified", "in_care", "discharged"]


@pytest.fixture(scope="module")
def policy() -> domain.Policy:
    return load_policy(TELEHEALTH)


@pytest.mark.parametrize(
    ("stage", "owner"),
    [
        ("lead", "crm"),
        ("intake", "crm"),
        ("qualified", "crm"),
        ("in_care", "ehr"),
        ("discharged", "ehr"),
    ],
)
def test_legal_name_is_the_crms_before_care_and_the_ehrs_from_care(
    policy: domain.Policy, stage: str, owner: str
) -> None:
    assert policy.fields["legal_name"].owner_at(stage) == owner


def test_stage_ranges_become_one_stage_set_per_owner(policy: domain.Policy) -> None:
    assert policy.fields["legal_name"].owners == (
        domain.StageOwner("crm", frozenset({"lead", "intake", "qualified"})),
        domain.StageOwner("ehr", frozenset({"in_care", "discharged"})),
    )


def test_every_field_has_exactly_one_owner_at_every_stage(policy: domain.Policy) -> None:
    for field in policy.fields.values():
        covered = [stage for owner in field.owners for stage in owner.stages]
        assert sorted(covered) == sorted(policy.stages), field.name


def test_medication_plan_is_owned_by_the_provider_role_inside_the_ehr(
    policy: domain.Policy,
) -> None:
    plan = policy.fields["medication_plan"]

    assert plan.owner_at("in_care") == "ehr"
    assert plan.owner_roles == frozenset({"provider"})
    assert plan.secondary == ()
    assert plan.critical and plan.immutable_outside_owner
    assert plan.sync is domain.SyncDirection.EHR_TO_CRM_SUMMARY
    assert plan.escalation_owner == "medical_lead"
    assert plan.sla == timedelta(hours=4)


def test_clinical_ops_may_set_only_two_care_stages(policy: domain.Policy) -> None:
    (writer,) = policy.fields["care_stage"].secondary

    assert writer.allows("crm", "clinical_ops", "qualified", "in_care")
    assert writer.allows("crm", "clinical_ops", "in_care", "discharged")
    assert not writer.allows("crm", "clinical_ops", "lead", "qualified")
    assert not writer.allows("ehr", "clinical_ops", "in_care", "in_care")


def test_rule_chain_compiles_to_rule_and_fallbacks(policy: domain.Policy) -> None:
    legal_name = policy.fields["legal_name"]

    assert legal_name.rule is domain.ConflictRule.PROVIDER_VERIFIED_OVERRIDES
    assert legal_name.fallback_rules == (domain.ConflictRule.STAGE_OWNER_WINS,)


def test_enum_tables_map_each_systems_values_to_canonical(policy: domain.Policy) -> None:
    status = policy.enums["clinical_status"]

    assert status.to_canonical("ehr", "on-hold") == "paused"
    assert status.to_local("crm", "paused") == "On Hold"
    assert status.to_canonical("crm", "Cancelled") is None
    assert policy.enums["care_stage"].to_canonical("crm", "Active Patient") == "in_care"
    assert policy.enums["care_stage"].to_local("ehr", "in_care") == "in_care"


def test_policy_carries_name_version_stages_and_stage_field(policy: domain.Policy) -> None:
    assert policy.label == "telehealth v3"
    assert policy.stages == tuple(STAGES)
    assert policy.stage_field == "care_stage"
    assert policy.systems == ("ehr", "crm", "portal")
    assert "merge_owner" in policy.roles
    assert policy.fields["date_of_birth"].kind is domain.ValueKind.DATE
    assert policy.fields["care_stage"].enum == "care_stage"


def test_explicit_stage_lists_and_secondary_stage_limits_compile() -> None:
    row = {
        "owner": [
            {"system": "crm", "stages": ["lead", "intake"]},
            {"system": "ehr", "from_stage": "in_care"},
        ],
        "secondary_writers": [{"role": "intake_ops", "system": "ehr", "stages": ["intake"]}],
        "sync": "bidirectional_with_version_check",
        "conflict_rule": "stage_owner_wins",
    }

    field = compile_policy(tiny(status=row)).fields["status"]

    assert field.owners == (
        domain.StageOwner("crm", frozenset({"lead", "intake"})),
        domain.StageOwner("ehr", frozenset({"in_care"})),
    )
    assert field.secondary == (
        domain.SecondaryWriter(system="ehr", role="intake_ops", stages=frozenset({"intake"})),
    )


def test_matrix_with_lint_errors_is_refused() -> None:
    with pytest.raises(MatrixLintError) as caught:
        load_policy(BAD / "SB102.yaml")

    assert [finding.code for finding in caught.value.findings] == ["SB102"]


def test_matrix_with_only_warnings_compiles() -> None:
    policy = load_policy(BAD / "SB118.yaml")

    assert policy.fields["lead_source"].description == ""


def test_missing_matrix_file_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(MatrixFileError):
        load_policy(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (DisclosureClass, domain.DisclosureClass),
        (SyncDirection, domain.SyncDirection),
        (ConflictRule, domain.ConflictRule),
        (ValueKind, domain.ValueKind),
    ],
)
def test_matrix_and_domain_vocabularies_are_the_same(ours: type, theirs: type) -> None:
    assert [m.value for m in ours] == [m.value for m in theirs]  # type: ignore[attr-defined]


@given(cut=st.integers(min_value=1, max_value=len(STAGES) - 1))
def test_any_handover_stage_splits_ownership_without_gap_or_overlap(cut: int) -> None:
    handover = STAGES[cut]
    spans = [{"system": "crm", "before_stage": handover}, {"system": "ehr", "from_stage": handover}]
    matrix = _five_stage_matrix(spans)

    field = compile_policy(matrix).fields["status"]

    for index, stage in enumerate(STAGES):
        expected = "crm" if index < cut else "ehr"
        assert field.owner_at(stage) == expected
        assert owner_at(matrix.fields["status"], stage, matrix.stages) == expected


def _five_stage_matrix(spans: list[dict[str, str]]) -> Matrix:
    top = {"stages": STAGES, "enums": {"care_stage": {"canonical": STAGES}}}
    row = {
        "owner": spans,
        "sync": "bidirectional_with_version_check",
        "conflict_rule": "stage_owner_wins",
    }
    return tiny(top, status=row)

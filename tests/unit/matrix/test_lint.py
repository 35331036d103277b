"""The linter: one bad matrix per code, the shipped matrix clean, and the rules behind each code."""

from __future__ import annotations

import copy
import sys

import pytest

from splitbrain.matrix import (
    CODES,
    Matrix,
    MatrixLintError,
    Severity,
    lint,
    load_matrix,
    parse_matrix,
    require_clean,
)
from tests.unit.matrix.matrices import BAD, README, TELEHEALTH, codes, tiny

LEGAL_NAME = {
    "owner": [
        {"system": "crm", "before_stage": "in_care"},
        {"system": "ehr", "from_stage": "in_care"},
    ],
    "secondary_writers": [
        {"role": "intake_ops", "system": "crm"},
        {"role": "provider", "system": "ehr"},
    ],
    "sync": "bidirectional_by_stage",
    "conflict_rule": "provider_verified_overrides",
    "fallback_rules": ["stage_owner_wins"],
}


def test_telehealth_matrix_is_lint_clean(telehealth: Matrix) -> None:
    assert lint(telehealth) == []


@pytest.mark.parametrize("code", sorted(CODES))
def test_each_bad_matrix_produces_exactly_its_code(code: str) -> None:
    matrix = load_matrix(BAD / f"{code}.yaml")

    assert codes(matrix) == [code]


def test_every_bad_matrix_file_is_named_for_a_code() -> None:
    assert sorted(path.stem for path in BAD.glob("*.yaml")) == sorted(CODES)


def test_finding_names_field_path_line_message_and_fix() -> None:
    path = BAD / "SB110.yaml"
    lines = path.read_text().splitlines()

    (finding,) = lint(load_matrix(path))

    assert finding.field == "status"
    assert finding.path == "fields.status.conflict_rule"
    assert finding.line is not None
    assert lines[finding.line - 1].strip() == "conflict_rule: stage_owner_wins"
    assert "secondary_writers[0] (clinical_ops in ehr)" in finding.message
    assert "secondary_writers[1] (patient in portal)" in finding.message
    assert "manual_review" in finding.fix
    assert finding.severity is Severity.ERROR


def test_findings_come_in_file_order() -> None:
    matrix = tiny(b_row={"escalation_owner": "ehr"}, a_row={"owner_roles": ["nurse"]})

    lines = [finding.line or 0 for finding in lint(matrix)]

    assert len(lines) == 2
    assert lines == sorted(lines)


def test_legal_name_row_of_the_reference_table_is_clean() -> None:
    assert codes(tiny(legal_name=LEGAL_NAME)) == []


def test_legal_name_without_its_stage_owner_fallback_cannot_decide_or_reject_stale_writes() -> None:
    row = {**LEGAL_NAME, "fallback_rules": []}

    found = codes(tiny(legal_name=row))

    assert sorted(found) == ["SB107", "SB110"]


def test_most_recent_patient_confirmed_without_a_patient_writer_is_incomplete() -> None:
    matrix = tiny(pref={"conflict_rule": "most_recent_patient_confirmed"})

    (finding,) = lint(matrix)

    assert finding.code == "SB110"
    assert "lets no 'patient' write it" in finding.message


def test_provider_verified_overrides_without_a_provider_is_incomplete() -> None:
    (finding,) = lint(tiny(plan={"conflict_rule": "provider_verified_overrides"}))

    assert finding.code == "SB110"
    assert "provider-verified update" in finding.message


def test_owner_authoritative_with_a_writer_in_any_system_cannot_rank_its_writes() -> None:
    row = {
        "secondary_writers": [{"role": "intake_ops", "stages": ["intake"]}],
        "sync": "bidirectional_with_version_check",
    }

    (finding,) = lint(tiny(status=row))

    assert finding.code == "SB110"
    assert "secondary_writers[0] (intake_ops in any system)" in finding.message


@pytest.mark.parametrize(
    "fallback", ["precedence_ladder", "most_recent_validated", "manual_review"]
)
def test_a_fallback_rule_that_ranks_every_writer_completes_the_row(fallback: str) -> None:
    bad = load_matrix(BAD / "SB110.yaml")
    data = bad.model_dump(mode="json")
    data["fields"]["status"]["fallback_rules"] = [fallback]

    assert codes(Matrix.model_validate(data)) == []


def test_patient_writer_under_a_patient_confirmed_rule_is_shared_with_rules_not_a_risk() -> None:
    row = {
        "kind": "string",
        "secondary_writers": [{"system": "portal", "role": "patient"}],
        "sync": "bidirectional_with_version_check",
        "conflict_rule": "most_recent_patient_confirmed",
    }

    assert codes(tiny(contact_preference=row)) == []


def test_bidirectional_by_stage_with_one_owner_has_no_stage_to_go_by() -> None:
    (finding,) = lint(
        tiny(name={"sync": "bidirectional_by_stage", "conflict_rule": "stage_owner_wins"})
    )

    assert finding.code == "SB107"
    assert "crm owns the field at every stage" in finding.message


def test_restricted_field_owned_by_the_crm_is_flagged_even_when_read_only() -> None:
    (finding,) = lint(tiny(notes={"disclosure": "phi_restricted", "sync": "read_only"}))

    assert finding.code == "SB108"
    assert "the CRM owns it" in finding.message


def test_canonical_status_the_crm_cannot_express_is_an_unmapped_value() -> None:
    enums = {
        "care_stage": {"canonical": ["lead", "intake", "in_care"]},
        "status": {
            "canonical": ["active", "paused"],
            "systems": {"crm": {"Active Treatment": "active"}},
        },
    }
    row = {"kind": "enum", "enum": "status", "owner": "ehr", "sync": "ehr_to_crm_summary"}

    (finding,) = lint(tiny({"enums": enums}, clinical_status=row))

    assert finding.code == "SB109"
    assert finding.field == "clinical_status"
    assert finding.path == "enums.status.systems.crm"
    assert "no local value for 'paused'" in finding.message


def test_system_without_a_table_uses_the_canonical_values() -> None:
    enums = {
        "care_stage": {"canonical": ["lead", "intake", "in_care"]},
        "status": {"canonical": ["active", "paused"]},
    }
    row = {"kind": "enum", "enum": "status", "owner": "ehr", "sync": "ehr_to_crm_summary"}

    assert codes(tiny({"enums": enums}, clinical_status=row)) == []


def test_escalation_to_an_undeclared_name_is_not_a_role() -> None:
    (finding,) = lint(tiny(status={"escalation_owner": "clinical_opps"}))

    assert finding.code == "SB112"
    assert "is not a declared role" in finding.message
    assert "(did you mean 'clinical_ops'?)" in finding.fix


def test_reversed_span_bounds_cover_no_stage_and_leave_a_gap() -> None:
    row = {"owner": [{"system": "crm", "from_stage": "in_care", "before_stage": "lead"}]}

    found = lint(tiny(status=row))

    assert [f.code for f in found] == ["SB102", "SB102"]
    assert "owner[0] (crm) covers no stage" in found[0].message + found[1].message


def test_unknown_stage_in_an_owner_span_is_reported_once_without_a_gap_cascade() -> None:
    row = {
        "owner": [
            {"system": "crm", "before_stage": "incare"},
            {"system": "ehr", "from_stage": "incare"},
        ],
        "sync": "bidirectional_with_version_check",
        "conflict_rule": "stage_owner_wins",
    }

    found = lint(tiny(status=row))

    assert [f.code for f in found] == ["SB106", "SB106"]
    assert "(did you mean 'in_care'?)" in found[0].fix


def test_sync_direction_naming_an_undeclared_system_is_flagged() -> None:
    systems: dict[str, dict[str, str]] = {"ehr": {}, "crm": {}}

    found = lint(tiny({"systems": systems}, answers={"owner": "ehr", "sync": "portal_to_ehr"}))

    assert [f.code for f in found] == ["SB104", "SB116"]
    assert found[0].path == "fields.answers.sync"
    assert "names the system 'portal'" in found[0].message


def test_read_only_field_written_in_two_systems_forks() -> None:
    row = {
        "sync": "read_only",
        "secondary_writers": [{"system": "ehr", "role": "clinical_ops", "stages": ["in_care"]}],
    }

    (finding,) = lint(tiny(status=row))

    assert finding.code == "SB116"
    assert "'crm' and 'ehr' all write it" in finding.message


def test_critical_field_only_its_owner_writes_should_be_immutable_outside_owner() -> None:
    (finding,) = lint(tiny(date_of_birth={"critical": True}))

    assert finding.code == "SB117"
    assert finding.severity is Severity.WARNING
    assert finding.fix == "set immutable_outside_owner: true"


def test_require_clean_raises_with_every_error_and_returns_the_warnings() -> None:
    with pytest.raises(MatrixLintError) as caught:
        require_clean(load_matrix(BAD / "SB103.yaml"))
    assert [f.code for f in caught.value.findings] == ["SB103"]
    assert "matrix bad_sb103 v1 has 1 lint error" in str(caught.value)

    warnings = require_clean(load_matrix(BAD / "SB118.yaml"))

    assert [f.code for f in warnings] == ["SB118"]


def test_matrix_built_in_code_lints_without_line_marks(telehealth: Matrix) -> None:
    data = copy.deepcopy(telehealth.model_dump(mode="json"))
    data["fields"]["diagnosis"]["sync"] = "ehr_to_crm"

    (finding,) = lint(Matrix.model_validate(data))

    assert (finding.code, finding.line) == ("SB108", None)


def test_every_code_is_documented_in_the_linter_docstring_and_the_format_readme() -> None:
    docstring = sys.modules["splitbrain.matrix.lint"].__doc__ or ""
    readme = README.read_text(encoding="utf-8")

    for code in CODES:
        assert code in docstring, code
        assert f"`{code}`" in readme, code


def test_codes_are_stable_and_numbered_in_order() -> None:
    assert list(CODES) == [f"SB{number}" for number in range(101, 101 + len(CODES))]
    assert {c.severity for c in CODES.values()} == {Severity.ERROR, Severity.WARNING}
    assert len({c.slug for c in CODES.values()}) == len(CODES)


def test_parse_then_lint_shipped_file_text_is_clean() -> None:
    matrix = parse_matrix(TELEHEALTH.read_text(encoding="utf-8"), file="telehealth.yaml")

    assert lint(matrix) == []

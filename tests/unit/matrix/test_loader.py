"""Loading: a good matrix becomes a model; a broken one names file, path, line, found, expected."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, field_validator

from splitbrain.matrix import (
    Matrix,
    MatrixFileError,
    MatrixSchemaError,
    MatrixSyntaxError,
    OwnerSpan,
    Problem,
    load_matrix,
    load_yaml_model,
    parse_matrix,
)
from tests.unit.matrix.matrices import TELEHEALTH, tiny_data


def _text(**rows: dict[str, Any]) -> str:
    return yaml.safe_dump(tiny_data(**rows), sort_keys=False)


def _line_of(text: str, needle: str, after: str = "") -> int:
    """1-based line of the first ``needle`` after the first ``after``."""
    start = text.index(after) if after else 0
    return text.count("\n", 0, text.index(needle, start)) + 1


def _only_problem(text: str, file: str = "m.yaml") -> Problem:
    with pytest.raises(MatrixSchemaError) as caught:
        parse_matrix(text, file=file)
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


def test_telehealth_loads_with_its_version_stages_and_every_field(telehealth: Matrix) -> None:
    assert telehealth.label == "telehealth v3"
    assert telehealth.stages == ["lead", "intake", "qualified", "in_care", "discharged"]
    assert len(telehealth.fields) == 26
    assert telehealth.source.file == str(TELEHEALTH)


def test_owner_shorthand_is_one_span_over_every_stage() -> None:
    matrix = parse_matrix(_text(status={"owner": "ehr"}))

    assert matrix.fields["status"].owner == [OwnerSpan(system="ehr")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
    ],
)
def test_sla_reads_minutes_hours_days_and_weeks(raw: str, expected: timedelta) -> None:
    matrix = parse_matrix(_text(status={"sla": raw}))

    assert matrix.fields["status"].sla == expected


def test_a_dumped_matrix_reloads_to_the_same_matrix(telehealth: Matrix) -> None:
    dumped = yaml.safe_dump(telehealth.model_dump(mode="json"), sort_keys=False)

    assert parse_matrix(dumped).model_dump() == telehealth.model_dump()
    assert "sla: 4h" in dumped


def test_integer_version_reads_as_text() -> None:
    matrix = parse_matrix(yaml.safe_dump({**tiny_data(), "version": 7}))

    assert matrix.version == "7"


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"

    with pytest.raises(MatrixFileError, match=r"nowhere\.yaml: no such file") as caught:
        load_matrix(path)

    assert caught.value.file == str(path)


def test_yaml_syntax_error_names_file_line_found_and_expected() -> None:
    text = "name: x\nversion: '1'\nstages: [lead, in_care\nsystems: {}\n"

    with pytest.raises(MatrixSyntaxError) as caught:
        parse_matrix(text, file="broken.yaml")

    error = caught.value
    assert error.file == "broken.yaml"
    assert error.line == 4
    assert "expected ',' or ']'" in error.found
    assert "valid YAML" in error.expected
    assert str(error).startswith("broken.yaml:4: found ")


def test_wrong_type_names_file_yaml_path_line_found_and_expected() -> None:
    text = _text(
        medication_plan={
            "owner": [
                {"system": "crm", "before_stage": "in_care"},
                {"system": "ehr", "from_stage": 3},
            ]
        }
    )

    problem = _only_problem(text, file="scenarios/matrices/x.yaml")

    assert problem.file == "scenarios/matrices/x.yaml"
    assert problem.path == "fields.medication_plan.owner[1].from_stage"
    assert problem.line == _line_of(text, "from_stage: 3")
    assert problem.found == "3 (a number)"
    assert problem.expected.startswith("text; quote it")
    assert str(problem) == (
        f"scenarios/matrices/x.yaml:{problem.line}: fields.medication_plan.owner[1].from_stage: "
        f"found 3 (a number); expected {problem.expected}"
    )


def test_unknown_key_lists_the_allowed_keys_and_suggests_the_spelling() -> None:
    text = _text(status={"ownr_roles": ["provider"]})

    problem = _only_problem(text)

    assert problem.path == "fields.status.ownr_roles"
    assert problem.line == _line_of(text, "ownr_roles:")
    assert problem.found == "the unknown key 'ownr_roles'"
    assert "one of the keys label, description, kind" in problem.expected
    assert problem.expected.endswith("(did you mean 'owner_roles'?)")


def test_missing_key_points_at_the_mapping_that_lacks_it() -> None:
    data = tiny_data(status={})
    del data["fields"]["status"]["sla"]
    text = yaml.safe_dump(data, sort_keys=False)

    problem = _only_problem(text)

    assert problem.path == "fields.status.sla"
    assert problem.line == _line_of(text, "  status:")
    assert problem.found == "nothing: the key is missing"
    assert problem.expected == "a value for 'sla'"


def test_unknown_conflict_rule_lists_the_catalog() -> None:
    text = _text(status={"conflict_rule": "last_write_wins"})

    problem = _only_problem(text)

    assert problem.path == "fields.status.conflict_rule"
    assert problem.line == _line_of(text, "last_write_wins")
    assert problem.found == "'last_write_wins'"
    assert "'owner_authoritative'" in problem.expected
    assert "'manual_review'" in problem.expected


def test_misspelled_enum_value_gets_a_suggestion() -> None:
    problem = _only_problem(_text(status={"sync": "ehr_to_crm_sumary"}))

    assert problem.expected.endswith("(did you mean 'ehr_to_crm_summary'?)")


@pytest.mark.parametrize("raw", [4, "4 hours", "0h", "4x", "h4"])
def test_bad_sla_explains_the_duration_format(raw: object) -> None:
    problem = _only_problem(_text(status={"sla": raw}))

    assert problem.path == "fields.status.sla"
    assert problem.expected.startswith("a duration like 30m, 4h, 2d or 1w")


def test_enum_kind_without_a_table_is_refused() -> None:
    problem = _only_problem(_text(status={"kind": "enum"}))

    assert problem.path == "fields.status"
    assert "kind: enum together with enum: <table name>" in problem.expected


def test_duplicate_key_is_refused_naming_both_lines() -> None:
    text = _text(status={}) + "  status:\n    sla: 2d\n"

    with pytest.raises(MatrixSyntaxError) as caught:
        parse_matrix(text, file="dup.yaml")

    first = _line_of(text, "  status:")
    assert caught.value.line == text.count("\n") - 1
    assert caught.value.found == f"the key 'status' a second time (first on line {first})"
    assert caught.value.expected == "each key once in a mapping"


def test_float_version_asks_to_quote_it() -> None:
    text = _text().replace("version: '1'", "version: 3.10")

    problem = _only_problem(text)

    assert problem.path == "version"
    assert problem.found == "3.1 (a number)"
    assert 'quote the version, e.g. version: "3.10"' in problem.expected


def test_local_enum_value_read_as_a_boolean_asks_to_quote_it() -> None:
    data = tiny_data()
    data["enums"]["care_stage"]["systems"] = {"crm": {"New Lead": "lead"}}
    text = yaml.safe_dump(data, sort_keys=False).replace("New Lead:", "yes:")

    problem = _only_problem(text)

    assert problem.path == "enums.care_stage.systems.crm[True]"
    assert problem.found == "the key true (true/false)"
    assert "quote it" in problem.expected


@pytest.mark.parametrize(
    ("text", "found"), [("", "an empty document"), ("# nothing\n", "an empty document")]
)
def test_empty_document_is_refused(text: str, found: str) -> None:
    with pytest.raises(MatrixSyntaxError) as caught:
        parse_matrix(text, file="empty.yaml")

    assert caught.value.found == found
    assert "a mapping with name, version" in caught.value.expected


def test_document_that_is_not_a_mapping_is_refused() -> None:
    problem = _only_problem("- just\n- a list\n")

    assert problem.path == "(top level)"
    assert problem.found == "a list"


def test_second_yaml_document_is_refused() -> None:
    with pytest.raises(MatrixSyntaxError) as caught:
        parse_matrix(_text() + "---\nname: other\n", file="two.yaml")

    assert caught.value.found == "a second YAML document"


def test_every_problem_is_reported_in_file_order() -> None:
    text = _text(a_field={"sla": "soon"}, b_field={"disclosure": "public"})

    with pytest.raises(MatrixSchemaError) as caught:
        parse_matrix(text, file="many.yaml")

    paths = [problem.path for problem in caught.value.problems]
    assert paths == ["fields.a_field.sla", "fields.b_field.disclosure"]
    assert str(caught.value).startswith("many.yaml: 2 problems:\n  many.yaml:")


def test_repeated_stage_is_refused() -> None:
    text = yaml.safe_dump({**tiny_data(), "stages": ["lead", "intake", "lead"]})

    problem = _only_problem(text)

    assert problem.path == "stages"
    assert problem.expected == "each stage once"


def test_field_names_must_be_snake_case() -> None:
    problem = _only_problem(_text(**{"Legal Name": {}}))

    assert problem.path == "fields['Legal Name']"
    assert problem.found == "the key 'Legal Name'"
    assert problem.expected.startswith("a snake_case name")


def test_secondary_writer_must_name_a_system_or_a_role() -> None:
    problem = _only_problem(_text(status={"secondary_writers": [{"stages": ["lead"]}]}))

    assert problem.path == "fields.status.secondary_writers[0]"
    assert "a system, a role, or both" in problem.expected


def test_manual_review_must_end_the_rule_chain() -> None:
    row = {"conflict_rule": "manual_review", "fallback_rules": ["precedence_ladder"]}

    problem = _only_problem(_text(status=row))

    assert "manual_review last" in problem.expected


def test_owner_span_cannot_mix_stage_list_and_bounds() -> None:
    row = {"owner": [{"system": "crm", "stages": ["lead"], "before_stage": "in_care"}]}

    problem = _only_problem(_text(status=row))

    assert problem.path == "fields.status.owner[0]"
    assert "either stages: [...] or from_stage/before_stage" in problem.expected


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    minutes: int


class _Runbook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    steps: tuple[_Step, ...]

    @field_validator("title")
    @classmethod
    def _titled(cls, value: str) -> str:
        if not value[:1].isupper():
            raise ValueError("a title starting with a capital letter")
        return value


def test_any_yaml_backed_model_loads_with_the_same_line_accurate_errors(tmp_path: Path) -> None:
    path = tmp_path / "runbook.yaml"
    path.write_text("title: restart\nsteps:\n  - name: drain\n    minits: 5\n", encoding="utf-8")

    with pytest.raises(MatrixSchemaError) as caught:
        load_yaml_model(path, _Runbook)

    by_path = {problem.path: problem for problem in caught.value.problems}
    assert by_path["title"].line == 1
    assert by_path["title"].expected == "a title starting with a capital letter"
    assert by_path["steps[0].minits"].line == 4
    assert by_path["steps[0].minits"].expected.endswith("(did you mean 'minutes'?)")
    assert by_path["steps[0].minutes"].found == "nothing: the key is missing"


def test_any_yaml_backed_model_loads_when_valid(tmp_path: Path) -> None:
    path = tmp_path / "runbook.yaml"
    path.write_text("title: Restart\nsteps:\n  - {name: drain, minutes: 5}\n", encoding="utf-8")

    runbook = load_yaml_model(path, _Runbook)

    assert runbook.steps == (_Step(name="drain", minutes=5),)

"""The disclosure paths file: its model, loader, the SB2xx lint codes and the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from splitbrain.cli import app
from splitbrain.matrix import CODES, Matrix, MatrixLintError, MatrixSchemaError, Severity
from splitbrain.matrix.checks.paths import lint_paths, require_clean_paths
from splitbrain.matrix.findings import PATH_CODES, code_info
from splitbrain.matrix.paths import (
    PathsFile,
    Transform,
    default_paths_for,
    format_retention,
    load_paths,
    parse_paths,
)
from tests.unit.matrix.matrices import README, TELEHEALTH

BAD_PATHS = Path(__file__).resolve().parent / "bad_paths"
TELEHEALTH_PATHS = TELEHEALTH.with_name("telehealth.paths.yaml")
runner = CliRunner()

ONE_PATH = """\
matrix: telehealth
version: "1"
paths:
  care:
    description: A path under test.
    source: ehr
    destination: crm
    purpose: TREAT
    subject: {transform: tokenize, domain: patient}
    allowed_fields: [phone, diagnosis]
    transforms:
      diagnosis: %s
    retention: 6y
    audit: [engine]
"""


@pytest.fixture(scope="module")
def telehealth_paths() -> PathsFile:
    return load_paths(TELEHEALTH_PATHS)


def test_shipped_paths_file_is_lint_clean(telehealth: Matrix, telehealth_paths: PathsFile) -> None:
    assert lint_paths(telehealth_paths, telehealth) == []


@pytest.mark.parametrize("code", sorted(PATH_CODES))
def test_each_bad_paths_file_produces_exactly_its_code(telehealth: Matrix, code: str) -> None:
    paths = load_paths(BAD_PATHS / f"{code}.yaml")

    found = [finding.code for finding in lint_paths(paths, telehealth)]

    assert found == [code]


def test_every_bad_paths_file_is_named_for_a_path_code() -> None:
    assert sorted(path.stem for path in BAD_PATHS.glob("*.yaml")) == sorted(PATH_CODES)


def test_path_codes_are_contiguous_from_sb201_and_apart_from_matrix_codes() -> None:
    assert list(PATH_CODES) == [f"SB{n}" for n in range(201, 201 + len(PATH_CODES))]
    assert not set(PATH_CODES) & set(CODES)
    assert len({c.slug for c in PATH_CODES.values()} | {c.slug for c in CODES.values()}) == len(
        PATH_CODES
    ) + len(CODES)
    assert code_info("SB201").severity is Severity.ERROR
    assert code_info("SB101") is CODES["SB101"]


def test_every_path_code_is_documented_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")

    missing = [code for code in PATH_CODES if f"| `{code}` |" not in readme]

    assert missing == []


def test_restricted_field_finding_points_at_the_line_of_the_field(telehealth: Matrix) -> None:
    path = BAD_PATHS / "SB201.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()

    (finding,) = lint_paths(load_paths(path), telehealth)

    assert finding.field == "diagnosis"
    assert finding.path == "paths.care.allowed_fields[1]"
    assert finding.line is not None
    assert "diagnosis" in lines[finding.line - 1]
    assert "drop" in finding.fix


@pytest.mark.parametrize("transform", ["drop", "summarize", "tokenize"])
def test_restricted_field_to_the_crm_is_fine_once_transformed(
    telehealth: Matrix, transform: str
) -> None:
    paths = parse_paths(ONE_PATH % transform)

    assert [f.code for f in lint_paths(paths, telehealth)] == []


def test_an_explicit_pass_on_a_restricted_field_points_at_the_transform(
    telehealth: Matrix,
) -> None:
    (finding,) = lint_paths(parse_paths(ONE_PATH % "pass"), telehealth)

    assert (finding.code, finding.path) == ("SB201", "paths.care.transforms.diagnosis")


def test_a_marketing_path_without_any_consent_is_an_error_at_the_path(telehealth: Matrix) -> None:
    text = (ONE_PATH % "drop").replace("purpose: TREAT", "purpose: HMARKT")

    (finding,) = lint_paths(parse_paths(text), telehealth)

    assert (finding.code, finding.path) == ("SB202", "paths.care")
    assert "requires no consent" in finding.message


def test_raw_field_the_matrix_never_syncs_between_the_systems_is_an_error(
    telehealth: Matrix,
) -> None:
    text = (ONE_PATH % "drop").replace("[phone, diagnosis]", "[pre_visit_tasks, diagnosis]")
    text = text.replace("source: ehr", "source: crm")
    text = text.replace("destination: crm", "destination: ehr")
    text = text.replace("subject: {transform: tokenize, domain: patient}", "subject: pass")

    (finding,) = lint_paths(parse_paths(text), telehealth)

    assert finding.code == "SB207"
    assert "never carries it from crm to ehr" in finding.message


def test_random_subject_token_to_the_crm_is_an_error(telehealth: Matrix) -> None:
    text = (ONE_PATH % "drop").replace("domain: patient}", "domain: patient, correlate: false}")

    (finding,) = lint_paths(parse_paths(text), telehealth)

    assert finding.code == "SB208"
    assert "random token" in finding.message


def test_require_clean_paths_raises_naming_the_file_label(telehealth: Matrix) -> None:
    paths = load_paths(BAD_PATHS / "SB201.yaml")

    with pytest.raises(MatrixLintError, match=r"telehealth paths v1 has 1 lint error"):
        require_clean_paths(paths, telehealth)


def test_require_clean_paths_returns_warnings(telehealth: Matrix) -> None:
    warnings = require_clean_paths(load_paths(BAD_PATHS / "SB211.yaml"), telehealth)

    assert [w.code for w in warnings] == ["SB211"]


def test_transform_shorthand_and_defaults(telehealth_paths: PathsFile) -> None:
    care = telehealth_paths.paths["ehr_to_crm_care_coordination"]

    assert care.transform_of("diagnosis").transform is Transform.DROP
    assert care.transform_of("phone").transform is Transform.PASS
    assert care.transform_of("medication_plan").summary_name("medication_plan") == "glp1_therapy"
    assert care.subject.token_domain("subject") == "patient"
    assert care.subject.correlates
    assert care.retention == timedelta(days=6 * 365)
    assert care.key == ("ehr", "crm", "TREAT")


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        ("retention: 6y", "retention: 6 years", "a duration like 30d, 12w or 6y"),
        ("diagnosis: drop", "diagnosis: {transform: drop, summary: x}", "only with transform"),
        ("diagnosis: drop", "diagnosis: shred", "one of 'pass', 'summarize', 'tokenize'"),
        ("    audit: [engine]", "    audit: [engine]\n    auditor: ops", "unknown key 'auditor'"),
        ("subject: {transform: tokenize, domain: patient}", "subject: drop", "subject: pass"),
        ("[phone, diagnosis]", "[phone, phone]", "repeated: phone"),
    ],
)
def test_a_malformed_paths_file_names_the_line_and_what_was_expected(
    replace: str, by: str, expected: str
) -> None:
    text = (ONE_PATH % "drop").replace(replace, by)
    assert text != ONE_PATH % "drop"

    with pytest.raises(MatrixSchemaError) as caught:
        parse_paths(text, file="bad.paths.yaml")

    assert "bad.paths.yaml:" in str(caught.value)
    assert expected in str(caught.value)


def test_retention_formats_back_to_its_short_form() -> None:
    assert format_retention(timedelta(days=365 * 6)) == "6y"
    assert format_retention(timedelta(days=14)) == "2w"
    assert format_retention(timedelta(days=30)) == "30d"


def test_default_paths_file_sits_beside_the_matrix() -> None:
    assert default_paths_for(TELEHEALTH) == TELEHEALTH_PATHS


def test_cli_lints_the_default_paths_file_with_the_matrix() -> None:
    result = runner.invoke(app, ["matrix", "lint", str(TELEHEALTH)])

    assert result.exit_code == 0, result.output
    assert "telehealth paths v1 is lint-clean (7 paths)" in result.stdout


def test_cli_paths_error_exits_one_naming_file_line_and_code() -> None:
    bad = BAD_PATHS / "SB201.yaml"

    result = runner.invoke(app, ["matrix", "lint", str(TELEHEALTH), "--paths", str(bad)])

    assert result.exit_code == 1
    assert f"{bad}:12: SB201 error [diagnosis]" in result.stdout


def test_cli_json_reports_the_paths_findings() -> None:
    bad = BAD_PATHS / "SB202.yaml"

    result = runner.invoke(
        app, ["matrix", "lint", str(TELEHEALTH), "--paths", str(bad), "--format", "json"]
    )

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["summary"] == {"errors": 0, "warnings": 0}
    assert report["paths"]["summary"] == {"errors": 1, "warnings": 0}
    assert report["paths"]["findings"][0]["slug"] == "consent-not-required"


def test_cli_unloadable_paths_file_exits_two(tmp_path: Path) -> None:
    broken = tmp_path / "broken.paths.yaml"
    broken.write_text((ONE_PATH % "drop").replace("retention: 6y", "retention: soon"))

    result = runner.invoke(app, ["matrix", "lint", str(TELEHEALTH), "--paths", str(broken)])

    assert result.exit_code == 2
    assert "retention" in result.output


def test_purpose_codes_mirror_the_consent_decision_points_list() -> None:
    from splitbrain.engine.domain.consent.purposes import PURPOSES as CONSENT_PURPOSES
    from splitbrain.matrix.purposes import PURPOSES

    assert {c: p.display for c, p in PURPOSES.items()} == {
        c: p.display for c, p in CONSENT_PURPOSES.items()
    }
    assert {c for c, p in PURPOSES.items() if p.needs_consent} >= {"HMARKT", "HRESCH"}
    assert not any(PURPOSES[c].needs_consent for c in ("TREAT", "HOPERAT", "HPAYMT"))

"""``splitbrain matrix lint|render`` through the real Typer app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from splitbrain.cli import app
from tests.unit.matrix.matrices import BAD, TELEHEALTH

runner = CliRunner()


def _broken(tmp_path: Path) -> Path:
    text = TELEHEALTH.read_text(encoding="utf-8").replace("    sla: 4h\n", "    sla: four\n", 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_lint_of_a_clean_matrix_exits_zero() -> None:
    result = runner.invoke(app, ["matrix", "lint", str(TELEHEALTH)])

    assert result.exit_code == 0, result.output
    assert "telehealth v3 is lint-clean (26 fields)" in result.stdout


def test_lint_error_exits_one_naming_file_line_code_field_and_fix() -> None:
    path = BAD / "SB112.yaml"

    result = runner.invoke(app, ["matrix", "lint", str(path)])

    assert result.exit_code == 1
    first, fix, summary = result.stdout.splitlines()
    assert first.startswith(f"{path}:37: SB112 error [lead_source] the escalation owner 'crm'")
    assert fix.startswith("    fix: name a role from roles:")
    assert summary == "bad_sb112 v1: 1 error(s), 0 warning(s)"


def test_lint_with_only_warnings_exits_zero() -> None:
    result = runner.invoke(app, ["matrix", "lint", str(BAD / "SB118.yaml")])

    assert result.exit_code == 0
    assert "SB118 warning [lead_source]" in result.stdout


def test_lint_json_parses_and_counts_findings() -> None:
    result = runner.invoke(app, ["matrix", "lint", str(BAD / "SB103.yaml"), "--format", "json"])

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["matrix"] == "bad_sb103"
    assert report["summary"] == {"errors": 1, "warnings": 0}
    (finding,) = report["findings"]
    assert finding["code"] == "SB103"
    assert finding["slug"] == "stage-overlap"
    assert finding["severity"] == "error"
    assert finding["field"] == "legal_name"
    assert finding["path"] == "fields.legal_name.owner"
    assert isinstance(finding["line"], int)
    assert finding["fix"]


def test_lint_json_of_a_clean_matrix_has_no_findings() -> None:
    result = runner.invoke(app, ["matrix", "lint", str(TELEHEALTH), "--format", "json"])

    assert result.exit_code == 0
    assert json.loads(result.stdout)["findings"] == []


def test_lint_of_an_unloadable_matrix_exits_two_with_the_message(tmp_path: Path) -> None:
    path = _broken(tmp_path)

    result = runner.invoke(app, ["matrix", "lint", str(path)])

    assert result.exit_code == 2
    assert f"{path}:" in result.stderr
    assert "fields.legal_name.sla: found 'four'; expected a duration like 30m" in result.stderr
    assert result.stdout == ""


def test_lint_json_of_an_unloadable_matrix_exits_two_with_the_problems(tmp_path: Path) -> None:
    result = runner.invoke(app, ["matrix", "lint", str(_broken(tmp_path)), "--format", "json"])

    assert result.exit_code == 2
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem["path"] == "fields.legal_name.sla"
    assert problem["found"] == "'four'"
    assert isinstance(problem["line"], int)


def test_lint_of_a_missing_file_exits_two(tmp_path: Path) -> None:
    result = runner.invoke(app, ["matrix", "lint", str(tmp_path / "none.yaml")])

    assert result.exit_code == 2
    assert "none.yaml: no such file" in result.stderr


def test_render_markdown_to_standard_output() -> None:
    result = runner.invoke(app, ["matrix", "render", str(TELEHEALTH), "--format", "md"])

    assert result.exit_code == 0
    assert result.stdout.startswith("# Ownership matrix: telehealth v3\n")
    assert "| Field | Owner system | Allowed secondary writer |" in result.stdout


def test_render_html_to_a_file(tmp_path: Path) -> None:
    out = tmp_path / "site" / "matrix.html"

    result = runner.invoke(
        app, ["matrix", "render", str(TELEHEALTH), "--format", "html", "--out", str(out)]
    )

    assert result.exit_code == 0
    assert result.stdout.strip() == f"wrote {out}"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_render_of_a_matrix_with_lint_errors_renders_and_says_so() -> None:
    result = runner.invoke(app, ["matrix", "render", str(BAD / "SB107.yaml")])

    assert result.exit_code == 0
    assert "Bidirectional, no version check" in result.stdout
    assert "has 1 lint error(s); run: splitbrain matrix lint" in result.stderr


def test_render_rejects_an_unknown_format() -> None:
    result = runner.invoke(app, ["matrix", "render", str(TELEHEALTH), "--format", "pdf"])

    assert result.exit_code == 2

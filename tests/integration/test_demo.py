"""``splitbrain demo`` end to end on SQLite: every case passes, reports are written, and a wrong
expectation makes the run fail with the case named."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from splitbrain.cli import app
from splitbrain.harness.catalog import load_catalog
from splitbrain.harness.paths import default_cases

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    out = tmp_path_factory.mktemp("demo")
    result = runner.invoke(app, ["demo", "--out", str(out)])
    return result.exit_code, result.output, out


def test_the_shipped_catalog_passes_with_an_intact_audit_chain(
    demo_run: tuple[int, str, Path],
) -> None:
    code, output, _ = demo_run

    cases = len(load_catalog(default_cases()))
    assert code == 0, output
    assert f"{cases}/{cases} cases passed" in output
    assert "audit chain intact" in output


def test_the_report_shows_every_case_its_trail_and_the_metrics(
    demo_run: tuple[int, str, Path],
) -> None:
    _, _, out = demo_run

    html = (out / "report.html").read_text(encoding="utf-8")
    for case in load_catalog(default_cases()):
        assert f'id="{case.id}"' in html
    assert "Share of writes rejected by owner policy" in html
    assert "Mean time to resolution" in html
    assert "Owner system" in html  # the rendered matrix
    assert "clinical_ops resolved conflict" in html


def test_junit_lists_one_passing_testcase_per_case(demo_run: tuple[int, str, Path]) -> None:
    _, _, out = demo_run

    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")

    assert suite is not None
    assert int(suite.get("tests", "0")) == len(load_catalog(default_cases()))
    assert suite.get("failures") == "0"


def test_the_store_verifies_with_the_audit_command(demo_run: tuple[int, str, Path]) -> None:
    _, _, out = demo_run

    result = runner.invoke(app, ["audit", "verify", str(out / "engine.sqlite"), "--format", "json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True


def test_a_wrong_expectation_fails_the_demo_and_names_the_case(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    shutil.copytree(default_cases(), cases)
    broken = cases / "CC-04-automation-vs-provider-field.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace(
            "{write: w1, decision: rejected, reason: not_owner}",
            "{write: w1, decision: applied}",
        ),
        encoding="utf-8",
    )

    result = runner.invoke(app, ["demo", "--cases", str(cases), "--out", str(tmp_path / "o")])

    assert result.exit_code == 1
    failure = ET.parse(tmp_path / "o" / "junit.xml").getroot().find(".//failure")
    assert failure is not None
    assert "decision: expected applied, got rejected" in (failure.text or "")


def test_a_broken_case_file_exits_2_naming_the_file(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "bad.yaml").write_text("id: CC-01\ntitle: [unclosed\n", encoding="utf-8")

    result = runner.invoke(app, ["demo", "--cases", str(cases), "--out", str(tmp_path / "o")])

    assert result.exit_code == 2
    assert "bad.yaml" in result.output

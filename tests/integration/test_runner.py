"""``splitbrain run``: features and catalog cases against a SUT, judged; junit, report, exit code.

Each run starts real worlds on loopback ports: the features in a pytest subprocess with our
plugin, the catalog cases in this process. The failing run uses a deliberately broken engine
(``tests.fixtures.engines.no_duplicate_check``, every new record a new person) through the
``command:`` adapter.
"""

from __future__ import annotations

import json
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simulators._shared.history import value_id
from splitbrain.cli import app

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "scenarios" / "conflicts"
CASE = next(CATALOG.glob("CC-16-*.yaml"))
CLEAN = """Feature: A sign-up travels
  Scenario: Ana signs up and the CRM knows her once
    Given Ana has signed up in the portal
    When the engine has caught up
    Then the CRM holds one contact for Ana
    And the checker finds no anomaly
"""
WRONG = """Feature: A wrong expectation fails
  Scenario: The portal status is not what we said
    Given Ana has signed up in the portal
    When the engine has caught up
    Then Ana's portal status is "Discharged yesterday"
"""


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["run", *args])
    return result.exit_code, result.output


def _junit(out: Path) -> ET.Element:
    return ET.parse(out / "junit.xml").getroot()


def test_a_clean_run_exits_0_with_junit_and_report(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "sign_up.feature").write_text(CLEAN)
    shutil.copy(CASE, tmp_path / "in")
    out = tmp_path / "out"

    code, output = _run(str(tmp_path / "in"), "--sut", "reference", "--out", str(out))

    assert code == 0, output
    root = _junit(out)
    assert (root.get("tests"), root.get("failures")) == ("2", "0")
    assert {s.get("name") for s in root.iter("testsuite")} == {"features", "conflict-catalog"}
    assert "Weekly metrics" in (out / "report.html").read_text()
    assert "all passed" in output


def test_a_failing_scenario_and_a_broken_engine_exit_1_with_each_failure(tmp_path: Path) -> None:
    feature = tmp_path / "wrong.feature"
    feature.write_text(WRONG)
    out = tmp_path / "out"
    sut = f"command:{sys.executable} -m tests.fixtures.engines.no_duplicate_check"

    code, output = _run(str(feature), str(CASE), "--sut", sut, "--out", str(out))

    assert code == 1, output
    failures = {f.get("type"): f.text or "" for f in _junit(out).iter("failure")}
    assert set(failures) == {"ScenarioFailed", "WrongWinner"}
    assert "Discharged yesterday" in failures["ScenarioFailed"]
    assert "duplicate_person" in failures["WrongWinner"]
    assert "crm.jsonl#" in failures["WrongWinner"]
    assert "duplicate_person" in (out / "report.html").read_text()
    assert (out / "histories" / "CC-16" / "crm.jsonl").stat().st_size > 0


def test_a_case_whose_systems_end_without_the_expected_winner_fails_naming_whose_value_they_hold(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    sut = f"command:{sys.executable} -m tests.fixtures.engines.lww"

    code, output = _run(str(CASE), "--sut", sut, "--out", str(out))

    assert code == 1, output
    failures = {f.get("type"): f.text or "" for f in _junit(out).iter("failure")}
    assert set(failures) == {"WrongWinner"}
    assert "date_of_birth should end as write 'seed'" in failures["WrongWinner"]
    assert "ehr holds the value of write 'w1'" in failures["WrongWinner"]
    assert "non_owner_write" in failures["WrongWinner"]


def _played(history: Path) -> dict[str, dict[str, object]]:
    """The writes one system's history saw invoked (acknowledged or refused), by idempotency key:
    which of a race's writes the simulator refuses as stale depends on the SUT's timing."""
    ops = [json.loads(line) for line in history.read_text().splitlines()]
    return {op["idempotency_key"]: op for op in ops
            if op["type"] == "invoke" and op["f"] == "write" and op["idempotency_key"]}  # fmt: skip


def test_the_contact_preference_races_are_played_through_both_apis_with_no_anomaly(
    tmp_path: Path,
) -> None:
    (tmp_path / "in").mkdir()
    for case in ("CC-13", "CC-14"):
        shutil.copy(next(CATALOG.glob(f"{case}-*.yaml")), tmp_path / "in")
    out = tmp_path / "out"

    code, output = _run(str(tmp_path / "in"), "--sut", "reference", "--out", str(out))

    assert code == 0, output
    root = _junit(out)
    assert (root.get("tests"), root.get("failures")) == ("2", "0")
    assert not list(root.iter("skipped"))
    for case in ("CC-13", "CC-14"):
        portal = _played(out / "histories" / case / "portal.jsonl")
        crm = _played(out / "histories" / case / "crm.jsonl")
        assert str(portal[f"{case}:seed"]["key"]).startswith("Preferences/")
        assert portal[f"{case}:w2"]["fields"] == {"preferred_channel": value_id("email")}
        assert crm[f"{case}:w1"]["fields"] == {"custom": value_id({"contact_preference": "Text"})}


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--sut", "engine-of-ours"], "--sut"), (["--sut", "http:ftp://x"], "--sut"),
     (["--matrix", "no/such.yaml"], "--matrix")],
)  # fmt: skip
def test_bad_input_exits_2_naming_the_option(tmp_path: Path, args: list[str], named: str) -> None:
    code, output = _run(str(CASE), *args, "--out", str(tmp_path))

    assert code == 2
    assert named in output


def test_a_path_that_is_no_feature_or_case_exits_2(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")

    code, output = _run(str(tmp_path / "notes.txt"), "--out", str(tmp_path / "out"))

    assert code == 2
    assert "not a .feature or conflict case" in output

"""``splitbrain demo`` runs a simulated day through the served world and reports its metrics.

One demo run (a small day) is shared by the tests: the day's weekly metrics are printed and added
to the HTML report, the checker finds no anomaly, nothing is dead-lettered, the duplicate
sign-ups did not become second contacts, and no lead stayed a second contact of its person.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from splitbrain.cli import app
from splitbrain.harness.day import DayReport, run_day
from splitbrain.harness.paths import default_matrix

pytestmark = pytest.mark.e2e

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, Path]:
    out = tmp_path_factory.mktemp("demo-day")
    result = runner.invoke(app, ["demo", "--out", str(out), "--people", "16"])
    return result.exit_code, result.output, out


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> DayReport:
    store = tmp_path_factory.mktemp("day") / "day.sqlite"
    return run_day(store, matrix=default_matrix(), people=24, seed=11, arrival=0.0)  # a burst


def test_the_demo_prints_the_days_weekly_metrics_and_passes(
    demo_run: tuple[int, str, Path],
) -> None:
    code, output, _ = demo_run

    assert code == 0, output
    assert "The simulated day: weekly metrics" in output
    assert re.search(r"Checker anomalies\s+│?\s*0", output), output


def test_the_report_carries_the_days_metrics(demo_run: tuple[int, str, Path]) -> None:
    _, _, out = demo_run

    html = (out / "report.html").read_text(encoding="utf-8")

    for name in ("Sync latency ehr→crm", "Sync latency portal→crm", "Revocation propagation",
                 "Duplicates prevented", "Dead letters", "Checker anomalies"):  # fmt: skip
        assert name in html


def test_a_day_ends_with_zero_anomalies_and_no_dead_letters(day: DayReport) -> None:
    assert (day.anomalies, day.anomaly_codes) == (0, {}), day.verdict_text
    assert day.dead_letters == 0


def test_every_path_of_the_day_is_measured_from_the_histories(day: DayReport) -> None:
    assert {"ehr→crm", "portal→crm"} <= set(day.latencies)
    assert all(ms >= 0 for values in day.latencies.values() for ms in values)
    assert day.revocation_ms is not None and day.revocation_ms > 0


def test_duplicate_sign_ups_do_not_become_second_contacts(day: DayReport) -> None:
    line = next(x for x in day.lines() if x.name == "Duplicates prevented")

    assert day.twin_contacts == 0
    assert line.value == str(day.duplicates_prevented)


def test_no_person_ends_the_day_with_two_crm_contacts(day: DayReport) -> None:
    """A lead and the same person's sign-up reach the engine in either order (the sign-up often
    first): the engine merges the contact it made with the lead, never leaves two."""
    line = next(x for x in day.lines() if x.name == "Second contacts for one email")

    assert day.second_contacts == 0
    assert line.value == "0"

"""A plain test with the plugin's fixtures: act as people do, wait, ask the checker."""

from __future__ import annotations

from datetime import date

from splitbrain.harness.live import LiveRun
from splitbrain.pytest_plugin.judge import Judge, RunHistory
from splitbrain.strategies import SyntheticPerson

BEA = SyntheticPerson("Bea", "Stone", date(1979, 11, 3), "bea.stone@example.net", "+1-212-555-0167")


def test_a_chart_registration_reaches_the_crm_without_anomalies(
    world: LiveRun, history: RunHistory, checker: Judge
) -> None:
    created = world.call("ehr", "POST", "/Patient", client="provider", json=BEA.fhir_patient())
    assert created.status_code == 201, created.text

    world.quiesce()

    (contact,) = world.call("crm", "GET", "/contacts", client="admin").json()["items"]
    assert contact["birth_date"] == "1979-11-03"
    assert sum(len(ops) for ops in history.records().values()) > 0
    checker.assert_clean()

"""Planning the feed: create -> A04, update -> A08, merge -> A40 with both patients' identifiers."""

from __future__ import annotations

from typing import Any

from simulators.ehr.hl7.outbound import OutboundPlanner
from simulators.ehr.hl7.target import ChangeEvent
from tests.simulators.hl7.fakes import FakeAdtTarget
from tests.simulators.hl7.messages import MRN_SYSTEM


def patient(mrn: str) -> dict[str, Any]:
    return {"resourceType": "Patient", "identifier": [{"system": MRN_SYSTEM, "value": mrn}]}


def planned(target: FakeAdtTarget, planner: OutboundPlanner) -> list[tuple[str, str, str | None]]:
    plans: list[tuple[str, str, str | None]] = []

    def listen(change: ChangeEvent) -> None:
        for message in planner.plan(change):
            retired = message.retired["identifier"][0]["value"] if message.retired else None
            plans.append((message.event, message.patient["identifier"][0]["value"], retired))

    target.on_change(listen)
    return plans


def test_creates_updates_and_merges_become_a04_a08_and_a40() -> None:
    target, planner = FakeAdtTarget(), OutboundPlanner()
    plans = planned(target, planner)

    target.upsert_patient(patient("KEEP"), process="t")
    target.upsert_patient(patient("GONE"), process="t")
    target.upsert_patient(patient("KEEP"), process="t")
    target.merge_patients((MRN_SYSTEM, "KEEP"), (MRN_SYSTEM, "GONE"), process="t")

    assert plans == [
        ("A04", "KEEP", None),
        ("A04", "GONE", None),
        ("A08", "KEEP", None),
        ("A40", "KEEP", "GONE"),
        ("A08", "KEEP", None),
    ]


def test_a_merge_whose_survivor_was_never_seen_waits_for_the_survivor_event() -> None:
    planner = OutboundPlanner()
    link = [{"type": "replaced-by", "other": {"reference": "Patient/p1"}}]
    retired = {**patient("GONE"), "link": link, "active": False}

    first = planner.plan(ChangeEvent("Patient", "p2", "2", retired, "merge"))
    then = planner.plan(ChangeEvent("Patient", "p1", "5", patient("KEEP"), "update"))

    assert first == []
    assert [(m.event, m.patient_id) for m in then] == [("A40", "p1"), ("A08", "p1")]
    assert then[0].retired == retired


def test_deletes_other_resources_and_patients_without_identifiers_send_nothing() -> None:
    planner = OutboundPlanner()

    plans = [
        planner.plan(ChangeEvent("Patient", "p1", "3", patient("A"), "delete")),
        planner.plan(ChangeEvent("Encounter", "e1", "1", {"resourceType": "Encounter"}, "create")),
        planner.plan(ChangeEvent("Patient", "p2", "1", {"resourceType": "Patient"}, "create")),
    ]

    assert plans == [[], [], []]
    assert planner.skipped == 2

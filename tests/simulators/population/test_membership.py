"""Not every person is in every system, and who is where follows the lifecycle stage."""

from __future__ import annotations

from simulators.population import GroundTruth, PersonEntry


def _systems(entry: PersonEntry) -> set[str]:
    return {r.system for r in entry.records}


def test_leads_exist_only_in_the_crm(population: list[PersonEntry]) -> None:
    leads = [e for e in population if e.person.stage == "lead"]

    assert leads
    assert all(_systems(e) == {"crm"} for e in leads)


def test_everyone_in_care_or_discharged_has_an_ehr_chart(population: list[PersonEntry]) -> None:
    treated = [e for e in population if e.person.stage in ("in_care", "discharged")]

    assert all("ehr" in _systems(e) for e in treated)


def test_some_persons_in_care_have_no_portal_account(population: list[PersonEntry]) -> None:
    in_care = [e for e in population if e.person.stage == "in_care"]

    without_portal = [e for e in in_care if "portal" not in _systems(e)]

    assert 0 < len(without_portal) < len(in_care)


def test_crm_lead_records_hold_no_birth_date_or_address(population: list[PersonEntry]) -> None:
    lead_records = [r for e in population if e.person.stage == "lead" for r in e.records]

    assert all(r.birth_date is None and r.address is None for r in lead_records)


def test_each_system_record_carries_only_its_own_systems_context(
    population: list[PersonEntry],
) -> None:
    records = [r for e in population for r in e.records]

    assert all(r.clinical is None for r in records if r.system != "ehr")
    assert all(r.mrn is None and r.ssn is None for r in records if r.system != "ehr")
    assert all(r.crm is not None for r in records if r.system == "crm")
    assert all(r.portal is not None for r in records if r.system == "portal")


def test_ground_truth_maps_every_record_id_to_its_person(population: list[PersonEntry]) -> None:
    truth = GroundTruth.from_entries(population)

    owners = {
        truth.person_of(r.system, r.record_id) == e.person.gt_id
        for e in population
        for r in e.records
    }

    assert owners == {True}


def test_record_ids_are_unique_and_reveal_nothing_across_systems(
    population: list[PersonEntry],
) -> None:
    records = [r for e in population for r in e.records]
    ids = [r.record_id for r in records]
    suffixes_by_system = {
        s: {r.record_id.split("-", 1)[1] for r in records if r.system == s}
        for s in ("ehr", "crm", "portal")
    }

    assert len(set(ids)) == len(ids)
    # The same counter in two systems must not produce the same opaque suffix.
    assert not suffixes_by_system["ehr"] & suffixes_by_system["crm"]

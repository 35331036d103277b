"""Ingest follows merge redirects: a write to a retired person reaches its survivor."""

from __future__ import annotations

from datetime import datetime

import pytest

from splitbrain.engine.domain.decisions import DuplicateDelivery, FieldApplied
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.errors import LinkageError
from splitbrain.engine.domain.linkage.merge import PersonsMerged
from splitbrain.engine.domain.linkage.persons import Person, PersonStatus, resolve
from splitbrain.engine.domain.linkage.routing import WriteRedirected, route_write
from splitbrain.engine.domain.linkage.unmerge import PersonsUnmerged
from splitbrain.engine.service_layer.commands import IngestWrite
from tests.unit.linkage.world import IdentityWorld
from tests.unit.service_layer.small_policy import T0

C1, C2, E1 = RecordKey("crm", "c-1"), RecordKey("crm", "c-2"), RecordKey("ehr", "e-1")


@pytest.fixture
def world() -> IdentityWorld:
    return IdentityWorld()


def _merged(world: IdentityWorld, survivor: str, retired: str) -> PersonsMerged:
    merged = world.merge(survivor, retired)
    assert isinstance(merged, PersonsMerged), merged
    return merged


def _two(world: IdentityWorld) -> tuple[str, str]:
    ana = world.register("crm", "c-1", identifier="id-1").person
    dup = world.register("ehr", "e-1", identifier="id-2").person
    return ana, dup


def test_a_write_addressed_to_a_retired_person_is_applied_to_the_survivor(
    world: IdentityWorld,
) -> None:
    ana, dup = _two(world)
    world.write(E1, "medication_plan", "plan-a")
    _merged(world, ana, dup)
    retired_before, persons = world.fields(dup), world.person_count()

    decision = world.engine.ingest(world.addressed(dup, E1, "medication_plan", "plan-b"))

    assert isinstance(decision, FieldApplied)
    assert decision.write.person == ana
    assert world.fields(ana)["medication_plan"].value == "plan-b"
    assert world.fields(dup) == retired_before  # the loser is not brought back to life
    assert world.engine.person(dup).status is PersonStatus.RETIRED
    assert world.person_count() == persons  # and nobody new is created


def test_the_redirect_is_an_audited_event_naming_ids_only(world: IdentityWorld) -> None:
    ana, dup = _two(world)
    _merged(world, ana, dup)
    write = world.addressed(dup, E1, "medication_plan", "semaglutide 0.5 mg")

    events = world.engine.handle(IngestWrite(write))

    redirected = events[0]
    assert isinstance(redirected, WriteRedirected)
    assert (redirected.addressed_to, redirected.person) == (dup, ana)
    route = [e.event for e in world.engine.audit_entries() if e.event.action == "identity.route"]
    assert [(e.outcome.value, e.reason, e.field_names) for e in route] == [
        ("applied", "merge_redirect", ("medication_plan",))
    ]
    assert "semaglutide" not in repr(route)


def test_a_write_to_the_first_id_of_a_chain_of_merges_reaches_the_last_survivor(
    world: IdentityWorld,
) -> None:
    first = world.register("crm", "c-1", identifier="id-1").person
    second = world.register("crm", "c-2", identifier="id-2").person
    third = world.register("ehr", "e-1", identifier="id-3").person
    _merged(world, second, first)
    _merged(world, third, second)

    decision = world.engine.ingest(world.addressed(first, C1, "lead_source", "web_form"))

    assert isinstance(decision, FieldApplied) and decision.write.person == third
    assert "lead_source" not in world.fields(first) and "lead_source" not in world.fields(second)


def test_after_an_unmerge_writes_to_the_restored_person_reach_it_again(
    world: IdentityWorld,
) -> None:
    ana, dup = _two(world)
    merged = _merged(world, ana, dup)
    undone = world.unmerge(merged.merge_id)
    assert isinstance(undone, PersonsUnmerged)

    by_id = world.engine.ingest(world.addressed(dup, E1, "medication_plan", "plan-c"))
    by_record = world.write(E1, "medication_plan", "plan-d")

    assert isinstance(by_id, FieldApplied) and by_id.write.person == dup
    assert isinstance(by_record, FieldApplied) and by_record.write.person == dup
    assert world.fields(dup)["medication_plan"].value == "plan-d"
    assert "medication_plan" not in world.fields(ana)


def test_a_redelivery_of_a_write_applied_before_the_merge_has_no_second_effect(
    world: IdentityWorld,
) -> None:
    ana, dup = _two(world)
    write = world.addressed(dup, E1, "medication_plan", "plan-a")
    world.engine.ingest(write)
    _merged(world, ana, dup)
    survivor = world.fields(ana)

    again = world.engine.ingest(write)

    assert isinstance(again, DuplicateDelivery)
    assert world.fields(ana) == survivor


def test_a_redelivery_of_a_redirected_write_is_a_duplicate_of_its_routed_decision(
    world: IdentityWorld,
) -> None:
    ana, dup = _two(world)
    _merged(world, ana, dup)
    write = world.addressed(dup, E1, "medication_plan", "plan-a")
    first = world.engine.ingest(write)

    again = world.engine.ingest(write)

    assert isinstance(first, FieldApplied)
    assert isinstance(again, DuplicateDelivery) and again.first == first
    assert world.fields(ana)["medication_plan"].version == 1


def test_a_record_of_the_retired_person_registering_again_stays_with_the_survivor(
    world: IdentityWorld,
) -> None:
    ana, dup = _two(world)
    _merged(world, ana, dup)
    persons = world.person_count()

    again = world.register("ehr", "e-1", identifier="id-2")
    new = world.register("portal", "p-9", identifier="id-2")

    assert (again.person, again.created) == (ana, False)
    assert (new.person, new.band, new.created) == (ana, "high", False)
    assert world.person_count() == persons


def test_a_redirect_cycle_names_the_ids_of_the_loop() -> None:
    people = {
        "per_1": Person("per_1", PersonStatus.RETIRED, T0, merged_into="per_2"),
        "per_2": Person("per_2", PersonStatus.RETIRED, T0, merged_into="per_3"),
        "per_3": Person("per_3", PersonStatus.RETIRED, T0, merged_into="per_2"),
    }

    with pytest.raises(LinkageError, match=r"cycle \(per_2 -> per_3 -> per_2\)"):
        resolve("per_1", people.get)


def test_routing_leaves_a_write_to_a_live_person_as_it_is() -> None:
    world = IdentityWorld()
    write = world.addressed("per_000009", C2, "lead_source", "web_form")

    routed, event = route_write(write, None, lambda p: p, at=datetime(2026, 1, 5, tzinfo=T0.tzinfo))

    assert routed is write and event is None

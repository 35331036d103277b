"""A data steward links a record to a person by hand, or unlinks it: audited, refused by rule."""

from __future__ import annotations

import pytest

from splitbrain.engine.domain.decisions import FieldApplied
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.errors import LinkTargetInvalid, UnknownPerson, UnknownRecord
from splitbrain.engine.domain.linkage.links import LinkResult, LinkSource
from splitbrain.engine.domain.linkage.manual import (
    LinkRefusal,
    LinkRefused,
    RecordLinked,
    RecordUnlinked,
)
from splitbrain.engine.domain.linkage.merge import PersonsMerged
from splitbrain.engine.domain.linkage.review import ReviewRejected
from splitbrain.engine.domain.linkage.unmerge import PersonsUnmerged, UnmergeRefused
from tests.unit.linkage.world import MERGE_OWNER, IdentityWorld

C1, C2, E1, P1 = (RecordKey("crm", "c-1"), RecordKey("crm", "c-2"), RecordKey("ehr", "e-1"),
                  RecordKey("portal", "p-1"))  # fmt: skip


@pytest.fixture
def world() -> IdentityWorld:
    return IdentityWorld()


def _link(
    world: IdentityWorld,
    record: RecordKey,
    person: str | None = None,
    *,
    to_record: RecordKey | None = None,
    role: str = MERGE_OWNER,
    reason: str | None = "misfiled_record",
) -> RecordLinked | LinkRefused:
    return world.engine.link_record(
        record, person, actor="usr_steward", role=role, reason=reason, to_record=to_record
    )


def _unlink(
    world: IdentityWorld, record: RecordKey, *, reason: str | None = "shared_contact_details"
) -> RecordUnlinked | LinkRefused:
    return world.engine.unlink_record(record, actor="usr_steward", role=MERGE_OWNER, reason=reason)


def _ana_with_two_records_and_bea(world: IdentityWorld) -> tuple[str, str]:
    ana = world.register("crm", "c-1", identifier="id-1").person
    assert world.register("ehr", "e-1", identifier="id-1").person == ana
    bea = world.register("crm", "c-2", identifier="id-2").person
    return ana, bea


def test_a_steward_links_a_misfiled_record_to_the_right_person(world: IdentityWorld) -> None:
    ana, bea = _ana_with_two_records_and_bea(world)

    linked = _link(world, E1, bea)

    assert isinstance(linked, RecordLinked)
    assert (linked.person, linked.previous, linked.reason.value) == (bea, ana, "misfiled_record")
    assert world.engine.record_person(E1) == bea
    link = world.engine.link_history(E1)[-1]
    assert (link.result, link.source) == (LinkResult.LINKED_BY_HAND, LinkSource.MANUAL)
    assert world.index.person_of(E1) == bea


def test_the_records_next_writes_reach_its_new_person_and_its_old_fields_stay(
    world: IdentityWorld,
) -> None:
    ana, bea = _ana_with_two_records_and_bea(world)
    world.write(E1, "medication_plan", "plan-a")
    _link(world, E1, bea)

    decision = world.write(E1, "medication_plan", "plan-b")

    assert isinstance(decision, FieldApplied) and decision.write.person == bea
    assert world.fields(ana)["medication_plan"].value == "plan-a"


def test_a_link_can_name_the_target_by_another_of_its_records(world: IdentityWorld) -> None:
    _ana, bea = _ana_with_two_records_and_bea(world)

    linked = _link(world, E1, to_record=C2)

    assert isinstance(linked, RecordLinked) and linked.person == bea


def test_automation_never_moves_a_record_a_steward_linked(world: IdentityWorld) -> None:
    ana, bea = _ana_with_two_records_and_bea(world)
    _link(world, E1, bea)

    again = world.register("ehr", "e-1", identifier="id-1")  # still matches ana at high

    assert again.person == bea and world.engine.record_person(E1) == bea
    assert ana != bea


def test_a_link_between_persons_marked_not_duplicate_is_refused_naming_ids_rule_and_fix(
    world: IdentityWorld,
) -> None:
    ana = world.register("crm", "c-1", identifier="id-1", phone="+15550100").person
    world.register("ehr", "e-1", identifier="id-1")
    other = world.register("portal", "p-1", identifier="id-9", phone="+15550100").person
    [item] = world.engine.review_items()
    rejected = world.engine.reject_review(item.review_id, actor="usr_steward", role=MERGE_OWNER)
    assert isinstance(rejected, ReviewRejected)

    refused = _link(world, E1, other)

    assert isinstance(refused, LinkRefused) and refused.refusal is LinkRefusal.NOT_DUPLICATE
    assert str(E1) in refused.explanation and ana in refused.explanation
    assert other in refused.explanation and "unlink it first" in refused.explanation
    assert world.engine.record_person(E1) == ana


@pytest.mark.parametrize(
    ("role", "reason", "refusal"),
    [
        ("support", "misfiled_record", LinkRefusal.NOT_MERGE_OWNER),
        (MERGE_OWNER, None, LinkRefusal.REASON_REQUIRED),
        (MERGE_OWNER, "she said so", LinkRefusal.UNKNOWN_REASON),
    ],
)
def test_a_link_without_the_role_or_a_taxonomy_reason_is_refused(
    world: IdentityWorld, role: str, reason: str | None, refusal: LinkRefusal
) -> None:
    ana, bea = _ana_with_two_records_and_bea(world)

    refused = _link(world, E1, bea, role=role, reason=reason)

    assert isinstance(refused, LinkRefused) and refused.refusal is refusal
    assert world.engine.record_person(E1) == ana
    assert "she said so" not in refused.explanation


def test_moving_the_only_record_of_a_person_with_fields_is_refused_in_favour_of_a_merge(
    world: IdentityWorld,
) -> None:
    _ana, bea = _ana_with_two_records_and_bea(world)
    world.write(C2, "lead_source", "web_form")

    refused = _link(world, C2, world.engine.record_person(C1))

    assert isinstance(refused, LinkRefused) and refused.refusal is LinkRefusal.ONLY_RECORD
    assert f"merge {bea} into" in refused.explanation


def test_linking_a_record_to_its_own_person_is_refused_as_already_linked(
    world: IdentityWorld,
) -> None:
    ana, _bea = _ana_with_two_records_and_bea(world)

    refused = _link(world, E1, ana)

    assert isinstance(refused, LinkRefused) and refused.refusal is LinkRefusal.ALREADY_LINKED


def test_a_link_to_a_retired_person_goes_to_its_survivor(world: IdentityWorld) -> None:
    _ana, bea = _ana_with_two_records_and_bea(world)
    cid = world.register("portal", "p-1", identifier="id-3").person
    merged = world.merge(bea, cid)
    assert isinstance(merged, PersonsMerged)

    linked = _link(world, E1, cid)

    assert isinstance(linked, RecordLinked) and linked.person == bea


def test_a_steward_unlinks_a_record_into_a_person_of_its_own(world: IdentityWorld) -> None:
    ana, _bea = _ana_with_two_records_and_bea(world)
    persons = world.person_count()

    unlinked = _unlink(world, E1)

    assert isinstance(unlinked, RecordUnlinked)
    assert unlinked.previous == ana and unlinked.person not in (ana, _bea)
    assert world.engine.record_person(E1) == unlinked.person
    assert world.person_count() == persons + 1
    assert world.register("ehr", "e-1", identifier="id-1").person == unlinked.person


def test_unlinking_the_only_record_of_a_person_is_refused(world: IdentityWorld) -> None:
    _ana, bea = _ana_with_two_records_and_bea(world)

    refused = _unlink(world, C2)

    assert isinstance(refused, LinkRefused) and refused.refusal is LinkRefusal.ONLY_RECORD
    assert bea in refused.explanation


def test_an_unmerge_refused_for_a_relinked_record_succeeds_once_the_steward_links_it_back(
    world: IdentityWorld,
) -> None:
    ana, bea = _ana_with_two_records_and_bea(world)
    merged = world.merge(ana, bea)
    assert isinstance(merged, PersonsMerged)
    _unlink(world, E1)
    refused = world.unmerge(merged.merge_id)
    assert isinstance(refused, UnmergeRefused)

    back = _link(world, E1, ana, reason="steward_verified")
    undone = world.unmerge(merged.merge_id)

    assert isinstance(back, RecordLinked)
    assert isinstance(undone, PersonsUnmerged)
    assert world.engine.record_person(E1) == ana and world.engine.record_person(C2) == bea


def test_manual_links_and_refusals_are_audited_with_ids_and_codes_only(
    world: IdentityWorld,
) -> None:
    _ana, bea = _ana_with_two_records_and_bea(world)
    _link(world, E1, bea, role="support")
    _link(world, E1, bea)
    _unlink(world, E1)

    entries = [e.event for e in world.engine.audit_entries()]
    manual = [(e.action, e.outcome.value, e.reason) for e in entries
              if e.action in ("identity.link.manual", "identity.unlink")]  # fmt: skip

    assert manual == [
        ("identity.link.manual", "rejected", "not_merge_owner"),
        ("identity.link.manual", "applied", "misfiled_record"),
        ("identity.unlink", "applied", "shared_contact_details"),
    ]


def test_a_link_naming_an_unknown_record_person_or_no_target_raises(world: IdentityWorld) -> None:
    _ana_with_two_records_and_bea(world)

    with pytest.raises(UnknownRecord, match="register it first"):
        _link(world, RecordKey("crm", "c-404"), "per_000001")
    with pytest.raises(UnknownPerson, match="per_999999"):
        _link(world, E1, "per_999999")
    with pytest.raises(LinkTargetInvalid, match="exactly one"):
        _link(world, E1)

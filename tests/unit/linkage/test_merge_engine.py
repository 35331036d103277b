"""Merge, unmerge and the review queue through the engine: one command, one transaction."""

from __future__ import annotations

from dataclasses import replace

import pytest

from splitbrain.engine.adapters.audit_files import InMemoryCheckpointStore
from splitbrain.engine.adapters.audit_log import InMemoryAuditLog
from splitbrain.engine.adapters.memory_store import InMemoryUnitOfWork
from splitbrain.engine.bootstrap import HANDLERS, random_keys
from splitbrain.engine.domain.audit import AuditEntry, AuditEvent, AuditWriteError
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.errors import ReviewItemClosed, UnknownMerge, UnknownPerson
from splitbrain.engine.domain.linkage.merge import MergeRefused, PersonsMerged
from splitbrain.engine.domain.linkage.persons import PersonStatus
from splitbrain.engine.domain.linkage.review import ReviewRefused, ReviewRejected, ReviewStatus
from splitbrain.engine.domain.linkage.unmerge import PersonsUnmerged, UnmergeRefused
from splitbrain.engine.domain.write import FieldState
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import AuditWriteFailed
from splitbrain.engine.service_layer.messagebus import MessageBus
from tests.unit.linkage.world import IdentityWorld

C1, E1, P1 = RecordKey("crm", "c-1"), RecordKey("ehr", "e-1"), RecordKey("portal", "p-1")


@pytest.fixture
def world() -> IdentityWorld:
    return IdentityWorld()


def _two_persons(world: IdentityWorld) -> tuple[str, str]:
    ana = world.register("crm", "c-1", identifier="id-1", phone="+15550100").person
    dup = world.register("ehr", "e-1", identifier="id-2", phone="+15550100").person
    world.write(C1, "legal_name", "Ana Garcia")
    world.write(C1, "lead_source", "web_form")
    world.write(E1, "medication_plan", "plan-a")
    return ana, dup


def _merged(world: IdentityWorld, survivor: str, retired: str) -> PersonsMerged:
    merged = world.merge(survivor, retired)
    assert isinstance(merged, PersonsMerged), merged
    return merged


def test_merge_then_unmerge_restores_both_persons_exactly(world: IdentityWorld) -> None:
    ana, dup = _two_persons(world)
    before = (world.fields(ana), world.fields(dup), world.links(ana), world.links(dup))
    people = (world.engine.person(ana), world.engine.person(dup))

    undone = world.unmerge(_merged(world, ana, dup).merge_id)

    assert isinstance(undone, PersonsUnmerged)
    assert (world.fields(ana), world.fields(dup), world.links(ana), world.links(dup)) == before
    assert (world.engine.person(ana), world.engine.person(dup)) == people
    assert world.engine.resolve_person(dup) == dup


def test_a_merge_gives_the_survivor_the_retired_persons_records_and_missing_fields(
    world: IdentityWorld,
) -> None:
    ana, dup = _two_persons(world)

    _merged(world, ana, dup)

    assert world.engine.record_person(E1) == ana
    assert world.fields(ana)["medication_plan"].value == "plan-a"
    assert world.engine.person(dup).status is PersonStatus.RETIRED


def test_writes_after_the_merge_are_re_attributed_by_their_source_record(
    world: IdentityWorld,
) -> None:
    ana, dup = _two_persons(world)
    merged = _merged(world, ana, dup)
    world.write(E1, "medication_plan", "plan-b")  # by dup's record, lands on ana
    world.write(C1, "lead_source", "referral")  # by ana's record

    undone = world.unmerge(merged.merge_id)

    assert isinstance(undone, PersonsUnmerged)
    assert "medication_plan" not in world.fields(ana)
    assert world.fields(dup)["medication_plan"].value == "plan-b"
    assert world.fields(ana)["lead_source"].value == "referral"
    assert world.fields(dup)["medication_plan"].person == dup


def test_an_unmerge_is_refused_when_a_record_of_neither_person_wrote_after_the_merge(
    world: IdentityWorld,
) -> None:
    ana, dup = _two_persons(world)
    merged = _merged(world, ana, dup)
    world.register("portal", "p-1", identifier="id-1")  # joins ana after the merge
    world.write(P1, "contact_preference", "sms")
    before = world.fields(ana)

    refused = world.unmerge(merged.merge_id)

    assert isinstance(refused, UnmergeRefused)
    assert refused.field == "contact_preference" and refused.record == P1
    assert world.fields(ana) == before and world.engine.resolve_person(dup) == ana


def test_naming_the_late_records_person_lets_the_unmerge_through(world: IdentityWorld) -> None:
    ana, dup = _two_persons(world)
    merged = _merged(world, ana, dup)
    world.register("portal", "p-1", identifier="id-1")
    world.write(P1, "contact_preference", "sms")

    undone = world.unmerge(merged.merge_id, attribute={P1: dup})

    assert isinstance(undone, PersonsUnmerged)
    assert world.engine.record_person(P1) == dup
    assert world.fields(dup)["contact_preference"].value == "sms"


def test_an_old_reference_to_a_retired_id_resolves_through_every_later_merge(
    world: IdentityWorld,
) -> None:
    ana, dup = _two_persons(world)
    third = world.register("portal", "p-1", identifier="id-3").person
    _merged(world, dup, third)

    _merged(world, ana, dup)

    assert world.engine.resolve_person(third) == ana
    assert world.engine.record_person(P1) == ana


def test_the_earlier_of_two_merges_cannot_be_undone_before_the_later_one(
    world: IdentityWorld,
) -> None:
    ana, dup = _two_persons(world)
    third = world.register("portal", "p-1", identifier="id-3").person
    first = _merged(world, dup, third)
    second = _merged(world, ana, dup)

    refused = world.unmerge(first.merge_id)
    undone_second = world.unmerge(second.merge_id)
    undone_first = world.unmerge(first.merge_id)

    assert isinstance(refused, UnmergeRefused) and second.merge_id in refused.explanation
    assert isinstance(undone_second, PersonsUnmerged)
    assert isinstance(undone_first, PersonsUnmerged)
    assert world.engine.resolve_person(third) == third


def test_a_merge_by_someone_who_is_not_merge_owner_is_refused_and_audited(
    world: IdentityWorld,
) -> None:
    ana, dup = _two_persons(world)

    refused = world.merge(ana, dup, role="growth_ops")

    assert isinstance(refused, MergeRefused) and refused.refusal.value == "not_merge_owner"
    assert world.engine.resolve_person(dup) == dup
    last = world.engine.audit_entries()[-1].event
    assert (last.action, last.outcome.value, last.reason) == (
        "identity.merge",
        "rejected",
        "not_merge_owner",
    )


class _SwitchableAudit(InMemoryAuditLog):
    """An audit log whose store can go down."""

    down = False

    def append(self, event: AuditEvent) -> AuditEntry:
        if self.down:
            raise AuditWriteError("audit store unavailable (test switch)")
        return super().append(event)


def test_a_merge_and_its_audit_entry_commit_together_or_not_at_all() -> None:
    world = IdentityWorld()
    audit = _SwitchableAudit(InMemoryCheckpointStore(), random_keys())
    uow = InMemoryUnitOfWork(audit)
    uow.identity = replace(uow.identity, index=world.index)
    world.engine = Engine(MessageBus(uow, world.policy, world.clock, HANDLERS),
                          policy=world.policy, clock=world.clock)  # fmt: skip
    ana, dup = _two_persons(world)
    audit.down = True

    with pytest.raises(AuditWriteFailed, match="merge"):
        world.merge(ana, dup)

    audit.down = False
    assert world.engine.resolve_person(dup) == dup
    assert world.engine.merges() == []
    assert world.fields(ana).get("medication_plan") is None
    assert world.engine.record_person(E1) == dup


def test_merging_an_id_nobody_registered_is_broken_input(world: IdentityWorld) -> None:
    ana, _dup = _two_persons(world)

    with pytest.raises(UnknownPerson, match="per_999999"):
        world.merge(ana, "per_999999")


def test_unmerging_an_unknown_merge_is_broken_input(world: IdentityWorld) -> None:
    with pytest.raises(UnknownMerge, match="mrg_000042"):
        world.unmerge("mrg_000042")


def test_accepting_a_review_item_merges_its_person_into_its_candidate(
    world: IdentityWorld,
) -> None:
    ana, dup = _two_persons(world)
    item = world.engine.review_items()[0]

    merged = world.engine.accept_review(item.review_id, actor="usr_3", role="merge_owner",
                                        reason="ehr_registration_duplicate")  # fmt: skip

    assert isinstance(merged, PersonsMerged)
    assert (merged.survivor, merged.retired, merged.review_id) == (ana, dup, item.review_id)
    decided = world.engine.review_items(open_only=False)[0]
    assert (decided.status, decided.merge_id) == (ReviewStatus.ACCEPTED, merged.merge_id)
    entry = world.engine.audit_entries()[-1].event
    assert (entry.action, entry.match_grade) == ("identity.merge", "probable")


def test_a_review_accepted_by_a_non_merge_owner_stays_open(world: IdentityWorld) -> None:
    _two_persons(world)
    item = world.engine.review_items()[0]

    refused = world.engine.accept_review(item.review_id, actor="usr_4", role="support",
                                         reason="duplicate_intake")  # fmt: skip

    assert isinstance(refused, MergeRefused) and refused.review_id == item.review_id
    assert world.engine.review_items() == [item]


def test_a_rejected_pair_is_never_suggested_again(world: IdentityWorld) -> None:
    ana, dup = _two_persons(world)
    item = world.engine.review_items()[0]

    rejected = world.engine.reject_review(item.review_id, actor="usr_3", role="merge_owner")
    world.register("ehr", "e-1", identifier="id-2", phone="+15550100")  # an update, same match

    assert isinstance(rejected, ReviewRejected)
    assert world.engine.review_items() == []
    assert world.engine.person(dup).status is PersonStatus.ACTIVE
    assert world.engine.record_person(E1) == dup != ana


def test_a_rejected_pair_also_keeps_automation_from_relinking_its_records(
    world: IdentityWorld,
) -> None:
    ana, dup = _two_persons(world)
    item = world.engine.review_items()[0]
    world.engine.reject_review(item.review_id, actor="usr_3", role="merge_owner")

    again = world.register("ehr", "e-1", identifier="id-1")  # now a high match to ana

    assert again.person == dup and world.engine.record_person(E1) == dup != ana


def test_only_the_merge_owner_may_reject_and_an_item_is_decided_once(
    world: IdentityWorld,
) -> None:
    _two_persons(world)
    item = world.engine.review_items()[0]

    refused = world.engine.reject_review(item.review_id, actor="usr_4", role="support")
    world.engine.reject_review(item.review_id, actor="usr_3", role="merge_owner")

    assert isinstance(refused, ReviewRefused)
    with pytest.raises(ReviewItemClosed, match=item.review_id):
        world.engine.reject_review(item.review_id, actor="usr_3", role="merge_owner")


def test_a_seed_on_a_merged_person_blocks_the_unmerge(world: IdentityWorld) -> None:
    ana, dup = _two_persons(world)
    merged = _merged(world, ana, dup)
    world.engine.seed(FieldState(ana, "contact_preference", "email", 1))

    refused = world.unmerge(merged.merge_id)

    assert isinstance(refused, UnmergeRefused) and refused.field == "contact_preference"


def test_the_audit_log_holds_the_merge_with_snapshot_fingerprints_and_no_value(
    world: IdentityWorld,
) -> None:
    ana, dup = _two_persons(world)

    _merged(world, ana, dup)

    entry = world.engine.audit_entries()[-1]
    extra = dict(entry.event.extra)
    assert entry.event.reason == "duplicate_intake" and entry.event.person == ana
    assert all(extra[k].startswith("fp1:") for k in ("before_survivor", "before_retired"))
    assert b"Ana" not in entry.event.canonical_bytes() and b"plan-a" not in (
        entry.event.canonical_bytes()
    )
    assert world.engine.verify_audit().ok


def test_a_registration_refused_by_a_failed_audit_can_be_sent_again() -> None:
    world = IdentityWorld()
    audit = _SwitchableAudit(InMemoryCheckpointStore(), random_keys())
    uow = InMemoryUnitOfWork(audit)
    uow.identity = replace(uow.identity, index=world.index)
    world.engine = Engine(MessageBus(uow, world.policy, world.clock, HANDLERS),
                          policy=world.policy, clock=world.clock)  # fmt: skip
    audit.down = True
    with pytest.raises(AuditWriteFailed, match="crm/c-1"):
        world.register("crm", "c-1", identifier="id-1")
    audit.down = False

    registered = world.register("crm", "c-1", identifier="id-1")

    assert registered.created and world.engine.record_person(C1) == registered.person

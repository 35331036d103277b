"""A record from any system goes through the index before a person is created (per band)."""

from __future__ import annotations

import pytest

from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey
from splitbrain.engine.domain.linkage.links import LinkResult, LinkSource
from splitbrain.engine.domain.linkage.merge import PersonsMerged
from splitbrain.engine.domain.linkage.persons import PersonStatus, PersonTag
from splitbrain.engine.domain.linkage.registration import (
    ManualLinkKept,
    PossibleDuplicateFlagged,
    RecordRegistered,
)
from splitbrain.engine.domain.linkage.review import ReviewItemOpened
from splitbrain.engine.service_layer.events import Event
from splitbrain.engine.service_layer.identity_commands import RegisterRecord
from tests.unit.linkage.world import IdentityWorld


@pytest.fixture
def world() -> IdentityWorld:
    return IdentityWorld()


def test_a_record_with_no_match_creates_a_person(world: IdentityWorld) -> None:
    registered = world.register("crm", "c-1", identifier="id-1")

    assert registered.created and registered.band == "none"
    assert registered.link.result is LinkResult.CREATED
    assert world.engine.person(registered.person).status is PersonStatus.ACTIVE


def test_a_high_match_links_to_the_existing_person_and_creates_nobody(world: IdentityWorld) -> None:
    first = world.register("crm", "c-1", identifier="id-1")

    second = world.register("ehr", "e-1", identifier="id-1")

    assert not second.created and second.person == first.person
    assert (second.link.result, second.link.source) == (LinkResult.MATCHED, LinkSource.AUTOMATIC)
    assert second.link.comparison == "identifier=exact"
    assert world.engine.record_person(RecordKey("ehr", "e-1")) == first.person


def test_a_medium_match_creates_a_provisional_person_and_a_review_item(
    world: IdentityWorld,
) -> None:
    first = world.register("crm", "c-1", identifier="id-1", phone="+15550100")

    events = world.engine.handle(_register("ehr", "e-1", identifier="id-2", phone="+15550100"))

    registered = _registered(events)
    assert registered.link.result is LinkResult.PROVISIONAL
    assert world.engine.person(registered.person).status is PersonStatus.PROVISIONAL
    opened = [e for e in events if isinstance(e, ReviewItemOpened)]
    assert [(e.item.person, e.item.candidate) for e in opened] == [
        (registered.person, first.person)
    ]
    assert [i.review_id for i in world.engine.review_items()] == [opened[0].item.review_id]


def test_a_low_match_creates_a_person_with_a_review_tag_and_no_review_item(
    world: IdentityWorld,
) -> None:
    world.register("crm", "c-1", identifier="id-1", email="ana@example.org")

    registered = world.register("portal", "p-1", identifier="id-2", email="ana@example.org")

    assert registered.link.result is LinkResult.REVIEW_TAG
    assert PersonTag.REVIEW in world.engine.person(registered.person).tags
    assert world.engine.review_items() == []


def test_an_ineligible_record_is_never_auto_linked(world: IdentityWorld) -> None:
    world.register("crm", "c-1", identifier="id-1", given="ana")

    registered = world.register("crm", "c-2", given="ana")

    assert registered.created and registered.band == "ineligible"
    assert registered.link.comparison.startswith("ineligible,too_little_identity_data")


def test_a_record_matching_two_persons_at_high_is_queued_and_flags_them(
    world: IdentityWorld,
) -> None:
    one = world.register("crm", "c-1", identifier="id-1")
    two = world.register("ehr", "e-9", identifier="id-9")
    world.index.insert(IdentityRecord("crm", "c-x", identifier="id-1"), two.person)

    events = world.engine.handle(_register("portal", "p-1", identifier="id-1"))

    new = _registered(events)
    assert new.band == "ambiguous" and new.created
    assert new.link.result is LinkResult.PROVISIONAL
    flagged = [e for e in events if isinstance(e, PossibleDuplicateFlagged)]
    assert [set(e.persons) for e in flagged] == [{one.person, two.person}]
    pairs = {(e.item.person, e.item.candidate) for e in events if isinstance(e, ReviewItemOpened)}
    assert pairs == {(new.person, one.person), (new.person, two.person), (one.person, two.person)}
    assert PersonTag.POSSIBLE_DUPLICATE in world.engine.person(one.person).tags


def test_an_automatic_link_follows_a_later_high_match_to_another_person(
    world: IdentityWorld,
) -> None:
    world.register("crm", "c-1", identifier="id-1")
    other = world.register("ehr", "e-1", identifier="id-2")

    again = world.register("crm", "c-1", identifier="id-2")

    assert again.person == other.person and again.relinked_from is not None
    history = world.engine.link_history(RecordKey("crm", "c-1"))
    assert [(li.person, li.current) for li in history] == [
        (again.relinked_from, False),
        (other.person, True),
    ]


def test_a_manual_link_is_not_overridden_by_a_later_high_match(world: IdentityWorld) -> None:
    anchor = world.register("crm", "c-1", identifier="id-1", phone="+15550100")
    provisional = world.register("ehr", "e-1", identifier="id-2", phone="+15550100")
    merged = world.engine.accept_review(world.engine.review_items()[0].review_id,
                                        actor="usr_3", role="merge_owner",
                                        reason="ehr_registration_duplicate")  # fmt: skip
    other = world.register("portal", "p-1", identifier="id-7")

    events = world.engine.handle(_register("ehr", "e-1", identifier="id-7"))

    assert isinstance(merged, PersonsMerged) and merged.retired == provisional.person
    kept = [e for e in events if isinstance(e, ManualLinkKept)]
    assert [(e.person, e.proposed, e.verdict.value) for e in kept] == [
        (anchor.person, other.person, "manual_link")
    ]
    assert world.engine.record_person(RecordKey("ehr", "e-1")) == anchor.person


def _register(system: str, record_id: str, **values: str) -> RegisterRecord:
    return RegisterRecord(IdentityRecord(system, record_id, **values))


def _registered(events: list[Event]) -> RecordRegistered:
    registered = events[0]
    assert isinstance(registered, RecordRegistered)
    return registered

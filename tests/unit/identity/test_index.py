from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from splitbrain.engine.adapters.identity.factory import MatchingParts, build_index
from splitbrain.engine.adapters.identity.index_base import BlockedIndex
from splitbrain.engine.adapters.identity.index_memory import MemoryIdentityIndex
from splitbrain.engine.adapters.identity.index_sqlite import SqliteIdentityIndex
from splitbrain.engine.domain.identity.blocking import BlockingKeys
from splitbrain.engine.domain.identity.errors import DuplicateRecord, IdentityError, UnknownRecord
from splitbrain.engine.domain.identity.record import RecordKey
from tests.unit.identity.conftest import ANA, Make


@pytest.fixture(params=["memory", "sqlite"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlockedIndex]:
    store = "memory" if request.param == "memory" else f"sqlite:{tmp_path / 'identity.sqlite'}"
    built = build_index(store)
    assert isinstance(built, BlockedIndex)
    yield built
    if isinstance(built, SqliteIdentityIndex):
        built.close()


def test_match_and_insert_links_a_copy_and_creates_a_stranger(
    index: BlockedIndex, make: Make, new_ids: Callable[[], str]
) -> None:
    first = index.match_and_insert(make("ehr", "e-1", **ANA), new_ids)
    copy = index.match_and_insert(make("crm", "c-1", **{**ANA, "phone": "212.555.0142"}), new_ids)
    stranger = index.match_and_insert(
        make("portal", "o-1", given="Li", family="Wang", date_of_birth="1950-01-02",
             phone="(312) 555-0188", email="li.wang@example.net"), new_ids
    )  # fmt: skip

    assert first.band == "none" and first.assigned_person_id == "person-1"
    assert copy.band == "high" and copy.assigned_person_id == "person-1"
    assert stranger.assigned_person_id == "person-2"
    assert index.records_of("person-1") == (RecordKey("ehr", "e-1"), RecordKey("crm", "c-1"))
    assert len(index) == 3


def test_match_changes_nothing(index: BlockedIndex, make: Make) -> None:
    index.insert(make("ehr", "e-1", **ANA), "p-1")

    decision = index.match(make("crm", "c-1", **ANA))

    assert decision.band == "high" and decision.assigned_person_id is None
    assert len(index) == 1


def test_move_and_remove_support_merge_and_unmerge(index: BlockedIndex, make: Make) -> None:
    record = make("ehr", "e-1", **ANA)
    index.insert(record, "p-1")

    index.move(record.key, "p-2")

    assert index.person_of(record.key) == "p-2"
    assert index.records_of("p-1") == () and index.records_of("p-2") == (record.key,)
    assert index.get(record.key) == record
    index.remove(record.key)
    assert index.get(record.key) is None and len(index) == 0
    assert index.match(make("crm", "c-1", **ANA)).candidates == ()


def test_removing_and_moving_records_that_share_keys_keeps_the_others_findable(
    index: BlockedIndex, make: Make
) -> None:
    ehr, crm, portal = (make(system, f"{system}-1", **ANA) for system in ("ehr", "crm", "portal"))
    index.insert(ehr, "p-1")
    index.insert(crm, "p-1")
    index.insert(portal, "p-2")
    arriving = make("crm", "c-9", **ANA)

    index.remove(crm.key)
    index.move(portal.key, "p-1")

    assert sorted(r.key for r, _ in index.candidates(arriving)) == sorted([ehr.key, portal.key])
    assert index.records_of("p-1") == (ehr.key, portal.key) and index.records_of("p-2") == ()
    index.remove(ehr.key)
    assert [r.key for r, _ in index.candidates(arriving)] == [portal.key]
    index.remove(portal.key)
    assert index.candidates(arriving) == [] and len(index) == 0
    if isinstance(index, MemoryIdentityIndex):
        assert index.block_sizes() == {}


def test_a_key_is_filed_once_and_unknown_keys_raise(index: BlockedIndex, make: Make) -> None:
    index.insert(make("ehr", "e-1", **ANA), "p-1")

    with pytest.raises(DuplicateRecord):
        index.insert(make("ehr", "e-1", **ANA), "p-9")
    with pytest.raises(UnknownRecord):
        index.remove(RecordKey("ehr", "nope"))
    with pytest.raises(UnknownRecord):
        index.move(RecordKey("ehr", "nope"), "p-1")
    assert index.person_of(RecordKey("ehr", "nope")) is None


def test_a_key_shared_by_more_records_than_the_limit_finds_nobody(
    parts: MatchingParts, make: Make
) -> None:
    index = MemoryIdentityIndex(parts.matcher, parts.blocking, max_block=50, max_exact_block=3)
    for i in range(4):  # a clinic's front-desk phone on four different patients
        index.insert(make("crm", f"c-{i}", given=f"name{i}", phone="(212) 555-0100"), f"p-{i}")

    arriving = make("crm", "c-9", given="other", phone="(212) 555-0100")

    assert index.candidates(arriving) == []


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_a_recycled_phone_shared_by_many_scores_only_the_capped_best_supported_records(
    store: str, parts: MatchingParts, make: Make, new_ids: Callable[[], str], tmp_path: Path
) -> None:
    index = _twelve_strangers_with_anas_phone(store, parts, make, tmp_path, lone=50)
    index.insert(make("ehr", "e-1", **ANA), "ana")

    arriving = make("portal", "o-1", **ANA)
    found = index.candidates(arriving)
    decision = index.match_and_insert(arriving, new_ids)
    again = index.candidates(arriving)  # now filed: it finds itself no more than before

    assert len(found) == 4 and "ana" in {person for _, person in found}
    assert decision.band == "high" and decision.assigned_person_id == "ana"
    assert len(again) == 4 and arriving.key not in {r.key for r, _ in again}
    if isinstance(index, SqliteIdentityIndex):
        index.close()


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_strangers_sharing_only_a_recycled_phone_are_not_scored_but_the_true_match_is(
    store: str, parts: MatchingParts, make: Make, new_ids: Callable[[], str], tmp_path: Path
) -> None:
    index = _twelve_strangers_with_anas_phone(store, parts, make, tmp_path, lone=8)
    index.insert(make("ehr", "e-1", **ANA), "ana")

    arriving = make("portal", "o-1", **ANA)
    found = index.candidates(arriving)
    decision = index.match_and_insert(arriving, new_ids)

    assert [person for _, person in found] == ["ana"]
    assert decision.band == "high" and decision.assigned_person_id == "ana"
    if isinstance(index, SqliteIdentityIndex):
        index.close()


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_over_the_cap_an_arrival_with_keys_nobody_holds_is_still_decided(
    store: str, parts: MatchingParts, make: Make, new_ids: Callable[[], str], tmp_path: Path
) -> None:
    index = _twelve_strangers_with_anas_phone(store, parts, make, tmp_path, lone=8)
    newcomer = make("portal", "o-9", given="Quinn", family="Okafor", phone=ANA["phone"],
                    email="quinn.okafor@example.org", date_of_birth="1990-07-08")  # fmt: skip

    decision = index.match_and_insert(newcomer, new_ids)

    assert decision.band != "high"
    if isinstance(index, SqliteIdentityIndex):
        index.close()


def test_placeholder_values_block_nobody(index: BlockedIndex, make: Make) -> None:
    index.insert(make("ehr", "e-1", given="Ana", family="Okafor", phone="555-555-0100"), "p-1")

    arriving = make("crm", "c-1", given="Li", family="Wang", phone="555-555-0100")

    assert index.candidates(arriving) == []


def test_an_unknown_store_is_refused() -> None:
    with pytest.raises(IdentityError) as caught:
        build_index("redis://x")

    assert "memory" in str(caught.value)


def test_the_sqlite_index_keeps_its_records_across_connections(
    tmp_path: Path, parts: MatchingParts, make: Make
) -> None:
    path = str(tmp_path / "identity.sqlite")
    limits = (50, 2000)
    first = SqliteIdentityIndex.open(path, parts.matcher, parts.blocking, *limits)
    with first.batch():
        first.insert(make("ehr", "e-1", **ANA), "p-1")
    first.close()

    again = SqliteIdentityIndex.open(path, parts.matcher, parts.blocking, *limits)
    decision = again.match(make("crm", "c-1", **ANA))
    again.close()

    assert decision.band == "high" and decision.person_id == "p-1"


def _twelve_strangers_with_anas_phone(
    store: str, parts: MatchingParts, make: Make, tmp_path: Path, *, lone: int
) -> BlockedIndex:
    """An index scoring at most 4 records per arrival, holding 12 strangers who were given Ana's
    phone number (and nothing else of hers)."""
    blocking = BlockingKeys(parts.blocking.names, max_scored=4, max_lone_block=lone)
    index: BlockedIndex = (
        MemoryIdentityIndex(parts.matcher, blocking, 50, 2000)
        if store == "memory"
        else SqliteIdentityIndex.open(str(tmp_path / "identity.sqlite"), parts.matcher, blocking,
                                      50, 2000)
    )  # fmt: skip
    for i in range(12):
        stranger = make("crm", f"c-{i}", given=f"name{i}", family="Lee", phone=ANA["phone"],
                        date_of_birth=f"19{50 + i}-02-03")  # fmt: skip
        index.insert(stranger, f"stranger-{i}")
    return index

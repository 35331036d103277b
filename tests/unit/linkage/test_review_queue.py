"""The review queue as pure functions: who may reject, and what a merge does to open items."""

from __future__ import annotations

from datetime import UTC, datetime

from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.review import (
    ReviewItem,
    ReviewRefused,
    ReviewStatus,
    open_item,
    pair_of,
    reject,
    retarget,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def item(review_id: str, person: str, candidate: str) -> ReviewItem:
    return open_item(review_id, person, candidate, record=RecordKey("ehr", "e-1"),
                     band="medium", match_grade="probable", score=5.0, at=T0)  # fmt: skip


def test_only_the_merge_owner_may_reject_a_review_item() -> None:
    refused = reject(item("rev_1", "per_2", "per_1"), actor="usr_4", role="support", at=T0)

    assert isinstance(refused, ReviewRefused)
    assert refused.refusal == "not_merge_owner"
    assert "merge_owner" in refused.explanation


def test_a_rejected_item_records_who_decided_it() -> None:
    result = reject(item("rev_1", "per_2", "per_1"), actor="usr_3", role="merge_owner", at=T0)

    assert isinstance(result, tuple)
    done, event = result
    assert done.status is ReviewStatus.REJECTED
    assert (done.decided_by, done.decided_role, done.decided_at) == ("usr_3", "merge_owner", T0)
    assert event.item == done


def test_the_pair_of_two_persons_does_not_depend_on_their_order() -> None:
    assert pair_of("per_2", "per_1") == pair_of("per_1", "per_2") == ("per_1", "per_2")


def test_after_a_merge_an_item_naming_the_retired_person_names_the_survivor() -> None:
    items = [item("rev_1", "per_3", "per_2")]

    changed = retarget(items, retired="per_2", survivor="per_1", merge_id="mrg_1", at=T0,
                       rejected=lambda a, b: False)  # fmt: skip

    assert [(i.person, i.candidate, i.status) for i in changed] == [
        ("per_3", "per_1", ReviewStatus.OPEN)
    ]


def test_an_item_whose_two_persons_were_merged_closes() -> None:
    changed = retarget([item("rev_1", "per_2", "per_1")], retired="per_2", survivor="per_1",
                       merge_id="mrg_1", at=T0, rejected=lambda a, b: False)  # fmt: skip

    assert [(i.status, i.merge_id) for i in changed] == [(ReviewStatus.CLOSED, "mrg_1")]


def test_an_item_that_would_repeat_another_open_item_or_a_rejected_pair_closes() -> None:
    items = [item("rev_1", "per_3", "per_1"), item("rev_2", "per_3", "per_2"),
             item("rev_3", "per_4", "per_2")]  # fmt: skip

    changed = retarget(items, retired="per_2", survivor="per_1", merge_id="mrg_1", at=T0,
                       rejected=lambda a, b: pair_of(a, b) == ("per_1", "per_4"))  # fmt: skip

    assert [(i.review_id, i.status) for i in changed] == [
        ("rev_2", ReviewStatus.CLOSED),
        ("rev_3", ReviewStatus.CLOSED),
    ]

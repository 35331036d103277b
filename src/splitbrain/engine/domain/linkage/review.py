"""The merge-review queue: pairs of persons a person must look at (DESIGN §5).

Items come from the matcher: a record in the medium band (its new provisional person and the
best candidate) and an ambiguous record (it matched two or more persons at high: each of them
with the record's provisional person, and each pair of them). A reviewer with the merge_owner
role accepts an item (a merge of the item's person into its candidate) or rejects it: the pair
is marked not-duplicate and is never suggested again (registration consults the marks).

Lifecycle::

    open --accept (PersonsMerged)--> accepted
      ├──reject (ReviewRejected)--> rejected      + the pair marked not-duplicate
      └──a merge joins its two persons, or makes it repeat another item--> closed

Example::

    item = open_item("rev_000001", "per_000002", "per_000001", record=key, band="medium",
                     match_grade="probable", score=6.1, at=now)
    item, event = reject(item, actor="usr_3", role="merge_owner", at=later)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.merge import MERGE_ROLE

__all__ = [
    "ReviewItem",
    "ReviewItemOpened",
    "ReviewRefused",
    "ReviewRejected",
    "ReviewStatus",
    "accepted",
    "open_item",
    "pair_of",
    "reject",
    "retarget",
]


class ReviewStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """Should ``person`` be merged into ``candidate``? Ids and codes only (no PHI)."""

    review_id: str
    person: str
    """The person to retire on accept (the record's provisional person, usually)."""
    candidate: str
    """The person to keep on accept."""
    record: RecordKey | None
    """The record whose registration raised the question."""
    band: str
    match_grade: str
    score: float | None
    created_at: datetime
    status: ReviewStatus = ReviewStatus.OPEN
    decided_at: datetime | None = None
    decided_by: str | None = None
    decided_role: str | None = None
    merge_id: str | None = None
    """The merge that accepted or closed the item."""

    @property
    def pair(self) -> tuple[str, str]:
        return pair_of(self.person, self.candidate)

    @property
    def open(self) -> bool:
        return self.status is ReviewStatus.OPEN

    def involves(self, person: str) -> bool:
        return person in (self.person, self.candidate)


@dataclass(frozen=True, slots=True)
class ReviewItemOpened:
    item: ReviewItem


@dataclass(frozen=True, slots=True)
class ReviewRejected:
    """The pair is not a duplicate: marked, never suggested again."""

    item: ReviewItem
    actor: str
    role: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ReviewRefused:
    review_id: str
    actor: str
    role: str
    refusal: str
    explanation: str
    at: datetime


def pair_of(a: str, b: str) -> tuple[str, str]:
    """The unordered pair, as a sorted tuple: the key of the not-duplicate marks."""
    return (a, b) if a <= b else (b, a)


def open_item(
    review_id: str,
    person: str,
    candidate: str,
    *,
    record: RecordKey | None,
    band: str,
    match_grade: str,
    score: float | None,
    at: datetime,
) -> ReviewItem:
    return ReviewItem(review_id, person, candidate, record, band, match_grade, score, at)


def reject(
    item: ReviewItem, *, actor: str, role: str, at: datetime
) -> tuple[ReviewItem, ReviewRejected] | ReviewRefused:
    """The reviewer says the two persons are different people (merge_owner only)."""
    if role != MERGE_ROLE:
        why = (
            f"review item {item.review_id} not rejected: role {role} may not decide merge "
            f"reviews; only {MERGE_ROLE} may"
        )
        return ReviewRefused(item.review_id, actor, role, "not_merge_owner", why, at)
    done = _decided(item, ReviewStatus.REJECTED, actor, role, at)
    return done, ReviewRejected(done, actor, role, at)


def accepted(item: ReviewItem, *, merge_id: str, actor: str, role: str, at: datetime) -> ReviewItem:
    """The item, accepted by the merge ``merge_id``."""
    return replace(_decided(item, ReviewStatus.ACCEPTED, actor, role, at), merge_id=merge_id)


def retarget(
    items: Sequence[ReviewItem],
    *,
    retired: str,
    survivor: str,
    merge_id: str,
    at: datetime,
    rejected: Callable[[str, str], bool],
) -> list[ReviewItem]:
    """Open items after ``retired`` was merged into ``survivor``: the changed ones.

    An item that named the retired person now names the survivor, unless that joins its two
    persons, repeats another open item, or names a pair marked not-duplicate: then it closes.
    """
    seen = {item.pair for item in items if item.open and not item.involves(retired)}
    changed = []
    for item in items:
        if not (item.open and item.involves(retired)):
            continue
        moved = replace(
            item,
            person=survivor if item.person == retired else item.person,
            candidate=survivor if item.candidate == retired else item.candidate,
        )
        if moved.person == moved.candidate or moved.pair in seen or rejected(*moved.pair):
            moved = replace(moved, status=ReviewStatus.CLOSED, decided_at=at, merge_id=merge_id)
        else:
            seen.add(moved.pair)
        changed.append(moved)
    return changed


def _decided(
    item: ReviewItem, status: ReviewStatus, actor: str, role: str, at: datetime
) -> ReviewItem:
    return replace(item, status=status, decided_at=at, decided_by=actor, decided_role=role)

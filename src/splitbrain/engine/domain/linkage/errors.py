# ruff: noqa: N818 -- STYLE §4 names errors for what happened (UnknownPerson, ReviewItemClosed)
"""Errors of the link table, merge, unmerge and the review queue: broken input only (STYLE §3).

A merge by the wrong role, a merge reason outside the taxonomy or an unmerge that cannot
re-attribute a write are *outcomes* (``MergeRefused``, ``UnmergeRefused`` events), not errors.
These are raised when a request names something that does not exist or cannot be acted on::

    LinkageError
     ├── UnknownPerson          no registered person has this id
     ├── UnknownRecord          no link exists for this source record
     ├── UnknownMerge           no merge has this id
     ├── UnknownReviewItem      no review item has this id
     ├── ReviewItemClosed       the item was already accepted, rejected or closed
     ├── InvalidAttribution     an unmerge attributes a record to a third person
     ├── LinkTargetInvalid      a manual link names no target person, or two
     └── LinkTableOutOfStep     the identity index names a person the link table does not know

Messages name person ids, record keys, merge and review ids, never a value (no PHI).
"""

from __future__ import annotations

__all__ = [
    "InvalidAttribution",
    "LinkTableOutOfStep",
    "LinkTargetInvalid",
    "LinkageError",
    "ReviewItemClosed",
    "UnknownMerge",
    "UnknownPerson",
    "UnknownRecord",
    "UnknownReviewItem",
]


class LinkageError(Exception):
    """Root of every error of the linkage domain."""


class UnknownPerson(LinkageError, LookupError):
    def __init__(self, person: str) -> None:
        super().__init__(
            f"no registered person {person!r}: persons are created by registering a source "
            "record (engine.register_record); use an id that a registration returned"
        )
        self.person = person


class UnknownRecord(LinkageError, LookupError):
    def __init__(self, record: str) -> None:
        super().__init__(
            f"source record {record} has no link: register it first (engine.register_record)"
        )
        self.record = record


class UnknownMerge(LinkageError, LookupError):
    def __init__(self, merge_id: str) -> None:
        super().__init__(
            f"no merge {merge_id!r}: use the merge_id of a PersonsMerged event "
            "(engine.merges() lists them)"
        )
        self.merge_id = merge_id


class UnknownReviewItem(LinkageError, LookupError):
    def __init__(self, review_id: str) -> None:
        super().__init__(
            f"no review item {review_id!r}: list open items with engine.review_items()"
        )
        self.review_id = review_id


class ReviewItemClosed(LinkageError, ValueError):
    def __init__(self, review_id: str, status: str) -> None:
        super().__init__(
            f"review item {review_id} is {status}, not open: a review item is decided once; "
            "list open items with engine.review_items()"
        )
        self.review_id = review_id


class LinkTableOutOfStep(LinkageError):
    def __init__(self, record: str, person: str) -> None:
        super().__init__(
            f"the identity index filed a match for record {record} under person {person}, "
            "which the link table does not know: the index is out of step with the link "
            "table; rebuild the index from the link table"
        )


class InvalidAttribution(LinkageError, ValueError):
    def __init__(self, merge_id: str, record: str, person: str) -> None:
        super().__init__(
            f"unmerge of {merge_id} attributes record {record} to person {person}, who is "
            "neither the survivor nor the retired person of that merge; attribute each record "
            "to one of the two"
        )


class LinkTargetInvalid(LinkageError, ValueError):
    def __init__(self, record: str) -> None:
        super().__init__(
            f"the manual link of record {record} names no target or two: give exactly one of "
            "a person id or another record (whose person is the target)"
        )
        self.record = record

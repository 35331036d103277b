"""The identity store port: persons, the link table, merges and the review queue.

Four repositories on the unit of work (``uow.identity``), in the command's one transaction: a
merge, its links, its field changes and its audit entry commit together or not at all. The
identity index every registration goes through rides along (``uow.identity.index``).

Example::

    with uow:
        link = uow.identity.links.current(RecordKey("crm", "c-81"))
        survivor = uow.identity.persons.resolve("per_000002")
        uow.commit()

Adapters: ``adapters.memory_identity`` (the fake) and ``adapters.sqlite_identity``.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime

from splitbrain.engine.domain.identity.ports import IdentityIndex
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.errors import UnknownMerge, UnknownPerson, UnknownReviewItem
from splitbrain.engine.domain.linkage.links import Link
from splitbrain.engine.domain.linkage.merge import MergeRecord
from splitbrain.engine.domain.linkage.persons import Person, resolve
from splitbrain.engine.domain.linkage.review import ReviewItem, pair_of
from splitbrain.engine.domain.linkage.unmerge import TrackedWrite

__all__ = [
    "IdentityStore",
    "LinkTable",
    "MergeLog",
    "PersonTable",
    "ReviewQueue",
    "serial_id",
]


def serial_id(prefix: str, number: int) -> str:
    """``serial_id("per", 7) == "per_000007"``: the engine's ids for what it creates."""
    return f"{prefix}_{number:06d}"


class PersonTable(abc.ABC):
    @abc.abstractmethod
    def find(self, person: str) -> Person | None: ...

    @abc.abstractmethod
    def put(self, person: Person) -> None:
        """Insert or replace."""

    @abc.abstractmethod
    def count(self) -> int: ...

    def get(self, person: str) -> Person:
        found = self.find(person)
        if found is None:
            raise UnknownPerson(person)
        return found

    def resolve(self, person: str) -> str:
        """The live person ``person`` stands for (follows merge redirects; unknown: itself)."""
        return resolve(person, self.find)

    def new_id(self) -> str:
        """A person id nobody holds yet."""
        number = self.count() + 1
        while self.find(serial_id("per", number)) is not None:
            number += 1
        return serial_id("per", number)


class LinkTable(abc.ABC):
    @abc.abstractmethod
    def current(self, record: RecordKey) -> Link | None: ...

    @abc.abstractmethod
    def history(self, record: RecordKey) -> list[Link]:
        """Every link the record has had, oldest first; the last is current."""

    @abc.abstractmethod
    def of_person(self, person: str) -> list[Link]:
        """The current links of ``person``, by record key."""

    @abc.abstractmethod
    def link(self, link: Link, at: datetime) -> None:
        """Make ``link`` the record's current link; the previous one is superseded at ``at``."""


class MergeLog(abc.ABC):
    @abc.abstractmethod
    def find(self, merge_id: str) -> MergeRecord | None: ...

    @abc.abstractmethod
    def put(self, record: MergeRecord) -> None:
        """Insert or replace the merge with the same id."""

    @abc.abstractmethod
    def count(self) -> int: ...

    @abc.abstractmethod
    def active_ids(self, person: str) -> list[str]:
        """The active merges ``person`` is the survivor or the retired person of, oldest first.

        On the write path (every applied write asks): keep it a cheap lookup.
        """

    @abc.abstractmethod
    def track(self, write: TrackedWrite) -> None:
        """Remember a write applied to a person of the active merge ``write.merge_id``."""

    @abc.abstractmethod
    def tracked(self, merge_id: str) -> list[TrackedWrite]:
        """The writes tracked for a merge, in the order they were applied."""

    def get(self, merge_id: str) -> MergeRecord:
        found = self.find(merge_id)
        if found is None:
            raise UnknownMerge(merge_id)
        return found

    def new_id(self) -> str:
        return serial_id("mrg", self.count() + 1)

    @abc.abstractmethod
    def list(self) -> list[MergeRecord]:
        """Every merge, oldest first."""


class ReviewQueue(abc.ABC):
    """Review items by id, and the pairs marked not-duplicate (a ``PairBook``)."""

    @abc.abstractmethod
    def find(self, review_id: str) -> ReviewItem | None: ...

    @abc.abstractmethod
    def put(self, item: ReviewItem) -> None:
        """Insert or replace the item with the same id."""

    @abc.abstractmethod
    def count(self) -> int: ...

    @abc.abstractmethod
    def list(self, *, open_only: bool) -> list[ReviewItem]:
        """Items in creation order; only open ones when ``open_only``."""

    @abc.abstractmethod
    def mark_not_duplicate(self, a: str, b: str, at: datetime, by: str) -> None:
        """Never suggest the pair again (``by``: the review or merge id that decided it)."""

    @abc.abstractmethod
    def rejected(self, a: str, b: str) -> bool:
        """The pair was marked not-duplicate."""

    def queued(self, a: str, b: str) -> bool:
        """An open item names the pair."""
        pair = pair_of(a, b)
        return any(item.pair == pair for item in self.list(open_only=True))

    def get(self, review_id: str) -> ReviewItem:
        found = self.find(review_id)
        if found is None:
            raise UnknownReviewItem(review_id)
        return found

    def new_id(self) -> str:
        return serial_id("rev", self.count() + 1)


@dataclass(frozen=True, slots=True)
class IdentityStore:
    """The four identity repositories of one unit of work, and the identity index.

    The index belongs to the store: the SQLite store's index shares its connection (so index
    rows commit with the links), the memory store's is in memory (and not journaled).
    """

    persons: PersonTable
    links: LinkTable
    merges: MergeLog
    review: ReviewQueue
    index: IdentityIndex

"""The in-memory identity store: the fake behind ``uow.identity`` for unit tests.

It writes through the unit of work's undo journal (``memory_store``), so a rolled-back command
leaves no person, link, merge or review item behind, exactly like the SQLite store.

Example::

    store = memory_identity_store(journal)
    store.persons.put(Person("per_000001", PersonStatus.ACTIVE, now))
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar

from splitbrain.engine.adapters.linkage_index import memory_default_index
from splitbrain.engine.domain.identity.ports import IdentityIndex
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.links import Link
from splitbrain.engine.domain.linkage.merge import MergeRecord
from splitbrain.engine.domain.linkage.persons import Person
from splitbrain.engine.domain.linkage.review import ReviewItem, ReviewStatus, pair_of
from splitbrain.engine.domain.linkage.unmerge import TrackedWrite
from splitbrain.engine.service_layer.identity_store import (
    IdentityStore,
    LinkTable,
    MergeLog,
    PersonTable,
    ReviewQueue,
)

__all__ = ["Journal", "memory_identity_store"]

K = TypeVar("K")
V = TypeVar("V")


class Journal(Protocol):
    """The undo journal of ``InMemoryUnitOfWork``: every change goes through it."""

    def set(self, table: dict[K, V], key: K, value: V) -> None: ...


class _Persons(PersonTable):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._rows: dict[str, Person] = {}

    def find(self, person: str) -> Person | None:
        return self._rows.get(person)

    def put(self, person: Person) -> None:
        self._journal.set(self._rows, person.person, person)

    def count(self) -> int:
        return len(self._rows)


class _Links(LinkTable):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._history: dict[RecordKey, tuple[Link, ...]] = {}
        self._by_person: dict[str, frozenset[RecordKey]] = {}

    def current(self, record: RecordKey) -> Link | None:
        history = self._history.get(record)
        return history[-1] if history and history[-1].current else None

    def history(self, record: RecordKey) -> list[Link]:
        return list(self._history.get(record, ()))

    def of_person(self, person: str) -> list[Link]:
        links = (self.current(record) for record in sorted(self._by_person.get(person, ())))
        return [link for link in links if link is not None]

    def link(self, link: Link, at: datetime) -> None:
        history = self._history.get(link.record, ())
        old = history[-1] if history and history[-1].current else None
        if old is not None:
            history = (*history[:-1], old.superseded(at))
            self._index(old.person, link.record, add=False)
        self._journal.set(self._history, link.record, (*history, link))
        self._index(link.person, link.record, add=True)

    def _index(self, person: str, record: RecordKey, *, add: bool) -> None:
        held = self._by_person.get(person, frozenset())
        self._journal.set(self._by_person, person, held | {record} if add else held - {record})


class _Merges(MergeLog):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._rows: dict[str, MergeRecord] = {}
        self._tracked: dict[str, tuple[TrackedWrite, ...]] = {}

    def find(self, merge_id: str) -> MergeRecord | None:
        return self._rows.get(merge_id)

    def put(self, record: MergeRecord) -> None:
        self._journal.set(self._rows, record.merge_id, record)

    def count(self) -> int:
        return len(self._rows)

    def active_ids(self, person: str) -> list[str]:
        return [m.merge_id for m in self._rows.values() if m.active and person in m.persons]

    def track(self, write: TrackedWrite) -> None:
        held = self._tracked.get(write.merge_id, ())
        self._journal.set(self._tracked, write.merge_id, (*held, write))

    def tracked(self, merge_id: str) -> list[TrackedWrite]:
        return list(self._tracked.get(merge_id, ()))

    def list(self) -> list[MergeRecord]:
        return list(self._rows.values())


class _Review(ReviewQueue):
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._items: dict[str, ReviewItem] = {}
        self._not_duplicate: dict[tuple[str, str], str] = {}

    def find(self, review_id: str) -> ReviewItem | None:
        return self._items.get(review_id)

    def put(self, item: ReviewItem) -> None:
        self._journal.set(self._items, item.review_id, item)

    def count(self) -> int:
        return len(self._items)

    def list(self, *, open_only: bool) -> list[ReviewItem]:
        items = self._items.values()
        return [i for i in items if not open_only or i.status is ReviewStatus.OPEN]

    def mark_not_duplicate(self, a: str, b: str, at: datetime, by: str) -> None:
        self._journal.set(self._not_duplicate, pair_of(a, b), by)

    def rejected(self, a: str, b: str) -> bool:
        return pair_of(a, b) in self._not_duplicate


def memory_identity_store(journal: Journal, index: IdentityIndex | None = None) -> IdentityStore:
    """Fresh, empty identity repositories writing through ``journal``, and an index (default:
    an empty in-memory index with the default matching config)."""
    return IdentityStore(
        persons=_Persons(journal),
        links=_Links(journal),
        merges=_Merges(journal),
        review=_Review(journal),
        index=index or memory_default_index(),
    )

"""``CachedMerges``: a merge log that answers ``active_ids`` from memory; ``CachedPersons``:
a person table whose ``resolve`` needs no SQL while no merge exists at all.

Every applied write asks whether its person is part of an active merge (to track the write for
a later unmerge); merges are rare, so a store keeps the answers instead of asking SQL each time.
The cache knows when no merge exists at all (one ``count()``), and otherwise remembers each
person's answer. ``put`` empties it, and so must the store (``forget()``) whenever a rollback may
have taken back a merge or another connection may have written one. Everything else goes
straight to the wrapped log.

Every write is also routed through ``persons.resolve`` (a write addressed to a retired person
goes to its survivor): a person is retired only by a merge, whose record is put first in the
same unit, so while the merge log is empty every person resolves to itself without a query.
A person put with a ``merged_into`` turns the shortcut off until the caches are next dropped,
whatever the order of the puts.

Example::

    merges = CachedMerges(store.merges)
    store = replace(store, merges=merges, persons=CachedPersons(store.persons, merges))
    store.merges.active_ids("per_0001")      # SQL once, then memory
    store.persons.resolve("per_0001")        # no SQL while no merge exists
"""

from __future__ import annotations

from splitbrain.engine.domain.linkage.merge import MergeRecord
from splitbrain.engine.domain.linkage.persons import Person
from splitbrain.engine.domain.linkage.unmerge import TrackedWrite
from splitbrain.engine.service_layer.identity_store import MergeLog, PersonTable

_PERSONS = 65_536
"""Answers kept at most; past this the cache starts again empty."""


class CachedMerges(MergeLog):
    """``inner`` with ``active_ids`` cached (see the module docstring)."""

    def __init__(self, inner: MergeLog) -> None:
        self.inner = inner
        self._none: bool | None = None
        """No merge exists at all (None: not asked since the last ``forget``)."""
        self._active: dict[str, list[str]] = {}

    def forget(self) -> None:
        self._none = None
        self._active.clear()

    def none(self) -> bool:
        """No merge record exists at all (one ``count()`` after each ``forget``)."""
        none = self._none
        if none is None:
            none = self._none = self.inner.count() == 0
        return none

    def redirected(self) -> None:
        """A person was put with a redirect: look persons up until the next ``forget``."""
        self._none = False

    def active_ids(self, person: str) -> list[str]:
        if self.none():
            return []
        ids = self._active.get(person)
        if ids is None:
            if len(self._active) >= _PERSONS:
                self._active.clear()
            ids = self._active[person] = self.inner.active_ids(person)
        return list(ids)

    def put(self, record: MergeRecord) -> None:
        self.forget()
        self.inner.put(record)

    def find(self, merge_id: str) -> MergeRecord | None:
        return self.inner.find(merge_id)

    def count(self) -> int:
        return self.inner.count()

    def track(self, write: TrackedWrite) -> None:
        self.inner.track(write)

    def tracked(self, merge_id: str) -> list[TrackedWrite]:
        return self.inner.tracked(merge_id)

    def get(self, merge_id: str) -> MergeRecord:
        return self.inner.get(merge_id)

    def new_id(self) -> str:
        return self.inner.new_id()

    def list(self) -> list[MergeRecord]:
        return self.inner.list()


class CachedPersons(PersonTable):
    """``inner`` with ``resolve`` answered without SQL while ``merges`` holds no merge."""

    def __init__(self, inner: PersonTable, merges: CachedMerges) -> None:
        self.inner = inner
        self._merges = merges

    def resolve(self, person: str) -> str:
        if self._merges.none():  # nobody was ever retired: everyone stands for themselves
            return person
        return self.inner.resolve(person)

    def find(self, person: str) -> Person | None:
        return self.inner.find(person)

    def put(self, person: Person) -> None:
        if person.merged_into is not None:
            self._merges.redirected()  # its merge record may not be put yet: no shortcut
        self.inner.put(person)

    def count(self) -> int:
        return self.inner.count()

"""The identity half of ``Engine``: register records, merge, unmerge, the review queue.

``Engine`` inherits these methods; each state change is one command through ``handle``, each
read a rolled-back unit of work, as in the rest of the facade.

Example::

    registered = engine.register_record(IdentityRecord("ehr", "e-1", given="ana", ...))
    merged = engine.merge("per_000001", "per_000002", actor="usr_3", role="merge_owner",
                          reason="duplicate_intake")
    engine.resolve_person("per_000002")               # -> "per_000001"
    engine.unmerge(merged.merge_id, actor="usr_3", role="merge_owner", reason="wrong_merge")
    engine.link_record(RecordKey("crm", "c-81"), "per_000003", actor="usr_3",
                       role="merge_owner", reason="misfiled_record")   # or LinkRefused
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, TypeVar

from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey
from splitbrain.engine.domain.linkage.links import Link
from splitbrain.engine.domain.linkage.manual import LinkRefused, RecordLinked, RecordUnlinked
from splitbrain.engine.domain.linkage.merge import MergeRecord, MergeRefused, PersonsMerged
from splitbrain.engine.domain.linkage.persons import Person
from splitbrain.engine.domain.linkage.registration import RecordRegistered
from splitbrain.engine.domain.linkage.review import ReviewItem, ReviewRefused, ReviewRejected
from splitbrain.engine.domain.linkage.unmerge import PersonsUnmerged, UnmergeRefused
from splitbrain.engine.service_layer.identity_commands import (
    AcceptReview,
    LinkRecord,
    MergePersons,
    RegisterRecord,
    RejectReview,
    UnlinkRecord,
    UnmergePersons,
)

if TYPE_CHECKING:
    from splitbrain.engine.service_layer.commands import Command
    from splitbrain.engine.service_layer.events import Event
    from splitbrain.engine.service_layer.unit_of_work import AbstractUnitOfWork

__all__ = ["IdentityFacade"]

E = TypeVar("E")
F = TypeVar("F")


class IdentityFacade:
    """Identity methods of ``Engine`` (a mixin: ``Engine`` provides ``handle`` and the store)."""

    if TYPE_CHECKING:
        _lock: AbstractContextManager[Any]
        _uow: AbstractUnitOfWork

        def handle(self, command: Command) -> list[Event]: ...

    def register_record(self, record: IdentityRecord) -> RecordRegistered:
        """Send a record through the identity index; link it or create its person."""
        return _only(self.handle(RegisterRecord(record)), RecordRegistered)

    def merge(
        self, survivor: str, retired: str, *, actor: str, role: str, reason: str | None
    ) -> PersonsMerged | MergeRefused:
        """Retire ``retired`` into ``survivor`` (merge_owner, a taxonomy reason), or refuse."""
        events = self.handle(MergePersons(survivor, retired, actor, role, reason))
        return _either(events, PersonsMerged, MergeRefused)

    def unmerge(
        self,
        merge_id: str,
        *,
        actor: str,
        role: str,
        reason: str | None,
        attribute: Mapping[RecordKey, str] | None = None,
    ) -> PersonsUnmerged | UnmergeRefused:
        """Undo a merge exactly, re-attributing later writes by their source record, or refuse."""
        pairs = tuple(sorted((attribute or {}).items()))
        events = self.handle(UnmergePersons(merge_id, actor, role, reason, pairs))
        return _either(events, PersonsUnmerged, UnmergeRefused)

    def link_record(
        self,
        record: RecordKey,
        person: str | None = None,
        *,
        actor: str,
        role: str,
        reason: str | None,
        to_record: RecordKey | None = None,
    ) -> RecordLinked | LinkRefused:
        """A steward links ``record`` to ``person`` (or to ``to_record``'s person), or refuse."""
        events = self.handle(LinkRecord(record, person, actor, role, reason, to_record))
        return _either(events, RecordLinked, LinkRefused)

    def unlink_record(
        self, record: RecordKey, *, actor: str, role: str, reason: str | None
    ) -> RecordUnlinked | LinkRefused:
        """A steward takes ``record`` out of its person into a new person, or refuse."""
        events = self.handle(UnlinkRecord(record, actor, role, reason))
        return _either(events, RecordUnlinked, LinkRefused)

    def review_items(self, *, open_only: bool = True) -> list[ReviewItem]:
        with self._lock, self._uow as uow:
            return uow.identity.review.list(open_only=open_only)

    def accept_review(
        self, review_id: str, *, actor: str, role: str, reason: str | None
    ) -> PersonsMerged | MergeRefused:
        """Merge the item's person into its candidate, or refuse (the item stays open)."""
        events = self.handle(AcceptReview(review_id, actor, role, reason))
        return _either(events, PersonsMerged, MergeRefused)

    def reject_review(
        self, review_id: str, *, actor: str, role: str
    ) -> ReviewRejected | ReviewRefused:
        """Mark the item's pair not-duplicate (never suggested again), or refuse."""
        events = self.handle(RejectReview(review_id, actor, role))
        return _either(events, ReviewRejected, ReviewRefused)

    def resolve_person(self, person_id: str) -> str:
        """The survivor an id stands for now (itself if it was never merged away)."""
        with self._lock, self._uow as uow:
            return uow.identity.persons.resolve(person_id)

    def record_person(self, record: RecordKey) -> str | None:
        """The live person a source record belongs to, or None for an unregistered record."""
        with self._lock, self._uow as uow:
            link = uow.identity.links.current(record)
            return None if link is None else uow.identity.persons.resolve(link.person)

    def person(self, person_id: str) -> Person:
        """The person row (status, tags, redirect); raises ``UnknownPerson``."""
        with self._lock, self._uow as uow:
            return uow.identity.persons.get(person_id)

    def person_links(self, person_id: str) -> list[Link]:
        """The current links of a person, by record key."""
        with self._lock, self._uow as uow:
            return uow.identity.links.of_person(person_id)

    def link_history(self, record: RecordKey) -> list[Link]:
        """Every link a record has had, oldest first."""
        with self._lock, self._uow as uow:
            return uow.identity.links.history(record)

    def merges(self) -> list[MergeRecord]:
        with self._lock, self._uow as uow:
            return uow.identity.merges.list()


def _only(events: list[Event], kind: type[E]) -> E:
    for event in events:
        if isinstance(event, kind):
            return event
    raise AssertionError(f"the command raised no {kind.__name__}: a handler-table bug")


def _either(events: list[Event], one: type[E], other: type[F]) -> E | F:
    for event in events:
        if isinstance(event, one | other):
            return event
    raise AssertionError(f"the command raised no {one.__name__}: a handler-table bug")

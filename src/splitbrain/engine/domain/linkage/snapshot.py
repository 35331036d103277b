"""A person as it stood at one instant: its person row, its current links, its written fields.

A merge keeps the before snapshots of both persons (with values: they are engine state, like
the decision log) so an unmerge can put both back exactly. What leaves the engine (events, the
audit log) is the :class:`SnapshotRef`: record keys, link results, field names, versions and
the keys of the writes that produced them: references, never values.

Example::

    snap = PersonSnapshot(person, links=(link,), fields=(state,))
    snap.ref().fields        # (("legal_name", 3, "ehr:evt-9"),)
"""

from __future__ import annotations

from dataclasses import dataclass

from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.links import Link
from splitbrain.engine.domain.linkage.persons import Person
from splitbrain.engine.domain.write import FieldState

__all__ = ["PersonSnapshot", "SnapshotRef", "snapshot"]


@dataclass(frozen=True, slots=True)
class SnapshotRef:
    """A snapshot by reference: ids, codes, field names, versions and write keys only."""

    person: str
    status: str
    links: tuple[tuple[str, str, str], ...]
    """(record key, link result, link source) per current link, by record key."""
    fields: tuple[tuple[str, int, str | None], ...]
    """(field, version, idempotency key of the write that produced it) per written field."""


@dataclass(frozen=True, slots=True)
class PersonSnapshot:
    person: Person
    links: tuple[Link, ...]
    """The person's current links, ordered by record key."""
    fields: tuple[FieldState, ...]
    """The person's written fields (version > 0), ordered by field name."""

    @property
    def person_id(self) -> str:
        return self.person.person

    def records(self) -> frozenset[RecordKey]:
        return frozenset(link.record for link in self.links)

    def field(self, name: str) -> FieldState:
        """The field's state in the snapshot (the empty state if it was never written)."""
        for state in self.fields:
            if state.field == name:
                return state
        return FieldState.empty(self.person_id, name)

    def ref(self) -> SnapshotRef:
        return SnapshotRef(
            person=self.person_id,
            status=self.person.status.value,
            links=tuple(
                (str(link.record), link.result.value, link.source.value) for link in self.links
            ),
            fields=tuple((s.field, s.version, s.idempotency_key) for s in self.fields),
        )


def snapshot(person: Person, links: list[Link], fields: list[FieldState]) -> PersonSnapshot:
    """A snapshot in canonical order (links by record key, written fields by name)."""
    return PersonSnapshot(
        person=person,
        links=tuple(sorted((li for li in links if li.current), key=lambda li: li.record)),
        fields=tuple(sorted((s for s in fields if s.version > 0), key=lambda s: s.field)),
    )

"""In-memory consent repositories: the fakes behind ``InMemoryUnitOfWork.consents`` / ``.outreach``.

Every change goes through the unit of work's undo journal, so a rolled-back command leaves no
consent version and no queued message behind.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar

from splitbrain.engine.domain.consent import Consent, ConsentStatus, OutreachStatus, QueuedMessage
from splitbrain.engine.service_layer.consent_ports import ConsentRepository, OutreachQueue

__all__ = ["InMemoryConsents", "InMemoryOutreachQueue"]

K = TypeVar("K")
V = TypeVar("V")


class Undo(Protocol):
    """The part of the unit of work's journal these repositories use."""

    def set(self, table: dict[K, V], key: K, value: V) -> None: ...

    def append(self, items: list[V], item: V) -> None: ...


class InMemoryConsents(ConsentRepository):
    def __init__(self, journal: Undo) -> None:
        self._journal = journal
        self._versions: dict[str, list[Consent]] = {}
        self._by_person: dict[str, dict[tuple[str, str], Consent]] = {}

    def current(self, person: str, purpose: str, channel: str) -> Consent | None:
        slots = self._by_person.get(person)
        return None if slots is None else slots.get((purpose, channel))

    def of_person(self, person: str) -> list[Consent]:
        slots = self._by_person.get(person) or {}
        return [slots[key] for key in sorted(slots)]

    def add(self, consent: Consent) -> None:
        if consent.ref not in self._versions:
            self._journal.set(self._versions, consent.ref, [])
        self._journal.append(self._versions[consent.ref], consent)
        if consent.person not in self._by_person:
            self._journal.set(self._by_person, consent.person, {})
        slots = self._by_person[consent.person]
        self._journal.set(slots, (consent.purpose, consent.channel), consent)

    def history(self, ref: str) -> list[Consent]:
        return list(self._versions.get(ref, ()))

    def due(self, at: datetime) -> list[Consent]:
        due = [
            consent
            for slots in self._by_person.values()
            for consent in slots.values()
            if consent.status is ConsentStatus.ACTIVE and consent.period.ended_by(at)
        ]
        return sorted(due, key=lambda c: (c.period.end or at, c.ref))

    def persons(self) -> list[str]:
        return sorted(person for person, slots in self._by_person.items() if slots)


class InMemoryOutreachQueue(OutreachQueue):
    def __init__(self, journal: Undo) -> None:
        self._journal = journal
        self._messages: dict[str, QueuedMessage] = {}

    def find(self, message_id: str) -> QueuedMessage | None:
        return self._messages.get(message_id)

    def put(self, message: QueuedMessage) -> None:
        self._journal.set(self._messages, message.message_id, message)

    def list(self, status: OutreachStatus | None = None) -> list[QueuedMessage]:
        return [m for m in self._messages.values() if status is None or m.status is status]

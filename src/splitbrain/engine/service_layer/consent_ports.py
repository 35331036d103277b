"""The consent ports: the repositories the unit of work holds, and the CRM's consent flags.

- ``ConsentRepository`` (``uow.consents``): every version of every slot, and each slot's current
  version, within the command's transaction.
- ``OutreachQueue`` (``uow.outreach``): queued messages and what became of them.
- ``ConsentFlagSink`` (``uow.consent_flags``): the consumer that keeps the CRM's local consent
  flags current, so the CRM's own campaign automation stops the moment a consent is revoked or
  expires. The stores start with ``adapters.consent_flags.InMemoryConsentFlags``; the runtime
  wires the real CRM (``bootstrap(consent_flags=...)``).

Adapters: ``adapters.memory_consent`` and ``adapters.sqlite_consent``.
"""

from __future__ import annotations

import abc
from datetime import datetime

from splitbrain.engine.domain.consent import (
    Consent,
    OutreachStatus,
    QueuedMessage,
    UnknownOutreach,
)

__all__ = ["ConsentFlagSink", "ConsentRepository", "OutreachQueue"]


class ConsentRepository(abc.ABC):
    """Consent versions by slot and by reference."""

    @abc.abstractmethod
    def current(self, person: str, purpose: str, channel: str) -> Consent | None:
        """The slot's current version, or None if the slot never had one."""

    @abc.abstractmethod
    def of_person(self, person: str) -> list[Consent]:
        """The current version of each of the person's slots, ordered by (purpose, channel)."""

    @abc.abstractmethod
    def add(self, consent: Consent) -> None:
        """Append ``consent`` as its slot's next version (it becomes the current one)."""

    @abc.abstractmethod
    def history(self, ref: str) -> list[Consent]:
        """Every version of the consent ``ref``, oldest first; empty if unknown."""

    @abc.abstractmethod
    def due(self, at: datetime) -> list[Consent]:
        """Current versions that are active and whose period ended by ``at`` (by end, ref)."""

    @abc.abstractmethod
    def persons(self) -> list[str]:
        """Every person with at least one consent, sorted."""


class OutreachQueue(abc.ABC):
    """Outreach messages by id."""

    @abc.abstractmethod
    def find(self, message_id: str) -> QueuedMessage | None: ...

    def get(self, message_id: str) -> QueuedMessage:
        """The message, or raise ``UnknownOutreach``."""
        message = self.find(message_id)
        if message is None:
            raise UnknownOutreach(message_id)
        return message

    @abc.abstractmethod
    def put(self, message: QueuedMessage) -> None:
        """Insert or replace the message with the same id."""

    @abc.abstractmethod
    def list(self, status: OutreachStatus | None = None) -> list[QueuedMessage]:
        """Messages in queue order, only those with ``status`` when given."""


class ConsentFlagSink(abc.ABC):
    """A consumer of consent changes that keeps a system's local flags current (the CRM's)."""

    @abc.abstractmethod
    def set_flag(self, consent: Consent, *, allowed: bool) -> None:
        """Set the local flag of ``consent.slot`` to ``allowed`` (version ``consent.version``).

        Called once per grant, revoke and expiry, in the command's transaction, after its audit
        entry is written. A sink must ignore a version older than one it already applied.
        """

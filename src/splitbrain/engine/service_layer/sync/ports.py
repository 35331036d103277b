"""The sync store port: the durable inbox, outbox and incidents of the engine service.

Adapters: ``adapters.sync_memory`` (tests), ``adapters.sync_sqlite`` (the embedded default, WAL)
and ``adapters.sync_postgres`` (several engine processes share it: claims use
``FOR UPDATE SKIP LOCKED``). Every method is one transaction; every method is safe to call
again after a crash (inserts are keyed, transitions check the current state).

Claims are leases: a claimed item whose lease ran out (its worker died) is claimable again, so
nothing is stranded by a crash; the work it names is idempotent, so redoing it is safe.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta

from splitbrain.engine.service_layer.sync.model import (
    InboxItem,
    InboxState,
    Incident,
    OutboxEffect,
    QueueDepths,
)


class SyncStore(abc.ABC):
    # -- inbox ------------------------------------------------------------------------------
    @abc.abstractmethod
    def receive(self, item: InboxItem) -> bool:
        """Store a new event as PENDING and return True; for a known ``event_id`` only count the
        delivery (``deliveries += 1``) and return False. Durable when it returns: only then may
        the sender be acknowledged."""

    def receive_settled(self, item: InboxItem) -> bool:
        """Store a new event already in its terminal ``item.state`` with ``item.detail`` (its
        door could tell on receipt that there is nothing to decide: an echo of the engine's own
        write), so no worker claims it; a known ``event_id`` is only counted, as in ``receive``.
        Durable across a crash of the process when it returns (a store may skip the fsync it
        owes ``receive``: the event carries no change, a power loss loses no change). This
        default stores it PENDING (a worker settles it the usual way); stores override it with
        one insert."""
        return self.receive(item)

    def receive_many(self, items: Sequence[InboxItem]) -> list[bool]:
        """``receive`` (an item in ``PENDING``) or ``receive_settled`` (an item already in its
        terminal state) for each of ``items``, in order; whether each was new (an event id met
        twice in ``items`` is new once). Durable as those calls are when it returns: the door
        answers a group of deliveries after one commit (a group commit). This default calls them
        one by one; stores override it with one transaction."""
        return [
            self.receive(item) if item.state is InboxState.PENDING else self.receive_settled(item)
            for item in items
        ]

    @abc.abstractmethod
    def claim_inbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[InboxItem]:
        """Up to ``limit`` items, oldest ``seq`` first, that are PENDING or CLAIMED with an
        expired lease; they become CLAIMED by ``worker`` until ``now + lease`` and their
        ``attempts`` go up by one. Several workers never get the same item while a lease holds."""

    @abc.abstractmethod
    def finish_inbox(
        self,
        event_id: str,
        state: InboxState,
        *,
        detail: str | None,
        effects: Sequence[OutboxEffect] = (),
        now: datetime,
    ) -> None:
        """In one transaction: insert ``effects`` (an effect id already present is left as it
        is) and move the item to the terminal ``state``. Finishing an already-terminal item
        changes nothing (a worker whose lease expired lost the race)."""

    @abc.abstractmethod
    def release_inbox(self, event_id: str, *, retry_at: datetime, detail: str) -> None:
        """Give a CLAIMED item back as PENDING, not to be claimed before ``retry_at``."""

    @abc.abstractmethod
    def inbox_item(self, event_id: str) -> InboxItem | None: ...

    @abc.abstractmethod
    def inbox(self, *, states: frozenset[InboxState] | None = None) -> list[InboxItem]:
        """Items in arrival order, optionally only those in ``states``."""

    # -- outbox -----------------------------------------------------------------------------
    @abc.abstractmethod
    def claim_outbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxEffect]:
        """Up to ``limit`` effects that are due (PENDING with ``next_attempt_at`` unset or past,
        or CLAIMED with an expired lease) and are the oldest unfinished effect of their
        ``ordering_key``; they become CLAIMED until ``now + lease``, ``attempts`` + 1."""

    @abc.abstractmethod
    def effect_sent(self, effect_id: str, *, status: int, now: datetime) -> None:
        """SENT, with the answer's status."""

    @abc.abstractmethod
    def effect_retry(
        self, effect_id: str, *, next_attempt_at: datetime, status: int | None, detail: str
    ) -> None:
        """Back to PENDING, due at ``next_attempt_at``."""

    @abc.abstractmethod
    def effect_replace(self, effect: OutboxEffect) -> None:
        """Rewrite a CLAIMED effect's request (path, body, headers) after a re-decision (a 412
        re-read); it stays CLAIMED."""

    @abc.abstractmethod
    def effect_dead(self, effect_id: str, *, status: int | None, reason: str, now: datetime) -> str:
        """DEAD_LETTERED, and open an incident naming it; the incident id."""

    @abc.abstractmethod
    def effect_cancel(self, effect_id: str, *, reason: str, now: datetime) -> None:
        """CANCELLED (terminal, no incident): deliberately not sent (e.g. consent denied now)."""

    @abc.abstractmethod
    def effect(self, effect_id: str) -> OutboxEffect | None: ...

    @abc.abstractmethod
    def outbox(self, *, event_id: str | None = None) -> list[OutboxEffect]:
        """Effects in planning order, optionally only those of one event."""

    # -- incidents and dead letters -----------------------------------------------------------
    @abc.abstractmethod
    def dead_letter_inbox(self, event_id: str, *, reason: str, now: datetime) -> str:
        """Move the item to DEAD_LETTERED (if not already terminal) and open an incident; the
        incident id."""

    @abc.abstractmethod
    def incidents(self, *, open_only: bool = True) -> list[Incident]: ...

    @abc.abstractmethod
    def depths(self) -> QueueDepths: ...

    # -- the engine's view of other systems' records -----------------------------------------
    @abc.abstractmethod
    def remember_record(
        self, system: str, record_id: str, *, person: str, version: str | None
    ) -> None:
        """The engine last saw ``system``'s record ``record_id`` (which holds ``person``) at
        ``version``; upsert."""

    @abc.abstractmethod
    def record_of(self, system: str, person: str) -> tuple[str, str | None] | None:
        """``(record_id, version)`` of ``person``'s record in ``system`` that the engine knows
        (the first one it learned), or None."""

    @abc.abstractmethod
    def person_of(self, system: str, record_id: str) -> str | None:
        """The person whose record ``record_id`` is in ``system``, if the engine knows it."""

    @abc.abstractmethod
    def replica(self, system: str, person: str, field: str) -> int | None:
        """The engine version of ``field`` that ``system``'s copy of ``person`` holds, as far as
        the engine knows (delivered there, or received from there); None if never."""

    @abc.abstractmethod
    def set_replica(self, system: str, person: str, field: str, version: int) -> None:
        """Record that ``system`` holds engine version ``version`` of the field. Versions only go
        up: a lower version than the one stored is ignored."""

    # -- reconciliation: where each change feed was read up to ---------------------------------
    @abc.abstractmethod
    def cursor(self, feed: str) -> str | None:
        """The position up to which ``feed`` (``crm:changes``, ``ehr:Patient/_history``) was
        read and its entries received; None before the first read."""

    @abc.abstractmethod
    def set_cursor(self, feed: str, position: str) -> None:
        """Store ``feed``'s position (upsert). Call it only after the entries before it were
        received: a crash in between re-reads them, and their event ids deduplicate them."""

    # -- the record versions the engine's own effects produced (echo detection) ---------------
    def note_written(self, system: str, record_id: str, version: str) -> None:
        """The engine's own effect made ``version`` of ``system``'s record ``record_id`` (its
        answer said so); durable. Kept as a keyed cursor row (``wrote:...``), so every store
        holds it without a schema change; a store may override both methods with a table."""
        self.set_cursor(_written(system, record_id, version), "engine")

    def wrote(self, system: str, record_id: str, version: str) -> bool:
        """Whether ``version`` of the record is one the engine's own effect produced: an event
        announcing it is an echo. Any other version is someone else's change."""
        return self.cursor(_written(system, record_id, version)) is not None

    def together(self) -> AbstractContextManager[None]:
        """The store calls this thread makes inside are one transaction, where the store can
        (a follow-up of several writes: an effect sent, the record and versions its answer
        named): kept together or lost together, and cheaper than one transaction each. Reads
        inside see the writes before them. Only for transitions that may be redone: the
        transaction commits as the internal ones do, not with ``receive``'s durability. This
        default runs each call on its own."""
        return nullcontext()

    def close(self) -> None:  # noqa: B027 - optional hook: stores without connections keep it
        """Release connections."""


def _written(system: str, record_id: str, version: str) -> str:
    return f"wrote:{system}:{record_id}@{version}"

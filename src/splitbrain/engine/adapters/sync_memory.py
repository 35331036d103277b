"""The in-memory sync store: dicts behind one lock, for unit tests and the in-memory engine.

It keeps every promise of ``SyncStore`` except durability: nothing survives the process. The
durable stores (``sync_sqlite``, ``sync_postgres``) pass the same contract tests
(``tests/integration/test_sync_store.py``).

Example::

    store = InMemorySyncStore()
    store.receive(InboxItem("crm:evt-1", "crm", "webhook", b"{}", received_at=now))
    [item] = store.claim_inbox("w1", now=now, lease=timedelta(seconds=30), limit=10)
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from splitbrain.engine.adapters.sync_rules import (
    INBOX_DEAD_LETTER,
    OUTBOX_DEAD_LETTER,
    check_claim,
    check_terminal,
    incident_id,
    unknown_effect,
    unknown_event,
    zero_depths,
)
from splitbrain.engine.service_layer.sync.model import (
    InboxItem,
    InboxState,
    Incident,
    OutboxEffect,
    OutboxState,
    QueueDepths,
)
from splitbrain.engine.service_layer.sync.ports import SyncStore

__all__ = ["InMemorySyncStore"]

_OPEN_OUTBOX = (OutboxState.PENDING, OutboxState.CLAIMED)


@dataclass(slots=True)
class _Lease:
    worker: str
    until: datetime


class InMemorySyncStore(SyncStore):
    """The sync store in dicts; thread-safe (one lock), not durable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._inbox: dict[str, InboxItem] = {}
        self._outbox: dict[str, OutboxEffect] = {}
        self._leases: dict[str, _Lease] = {}  # inbox event ids and outbox effect ids
        self._incidents: dict[str, Incident] = {}
        self._records: dict[tuple[str, str], tuple[str, str | None]] = {}  # -> (person, version)
        self._replicas: dict[tuple[str, str, str], int] = {}  # (system, person, field) -> version
        self._cursors: dict[str, str] = {}  # change feed -> position read up to

    # -- inbox ------------------------------------------------------------------------------
    def receive(self, item: InboxItem) -> bool:
        return self._receive(replace(item, state=InboxState.PENDING, detail=None))

    def receive_settled(self, item: InboxItem) -> bool:
        check_terminal(item.event_id, item.state)
        return self._receive(replace(item, not_before=None))

    def _receive(self, item: InboxItem) -> bool:
        with self._lock:
            known = self._inbox.get(item.event_id)
            if known is not None:
                self._inbox[item.event_id] = replace(known, deliveries=known.deliveries + 1)
                return False
            self._inbox[item.event_id] = replace(item, attempts=0, seq=next(self._seq))
            return True

    def claim_inbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[InboxItem]:
        check_claim(limit)
        with self._lock:
            due = [item for item in self._inbox.values() if self._inbox_due(item, now)]
            claimed = []
            for item in due[:limit]:  # dicts keep arrival order, which is seq order
                taken = replace(item, state=InboxState.CLAIMED, attempts=item.attempts + 1)
                self._inbox[item.event_id] = taken
                self._leases[item.event_id] = _Lease(worker, now + lease)
                claimed.append(taken)
            return claimed

    def _inbox_due(self, item: InboxItem, now: datetime) -> bool:
        if item.state is InboxState.PENDING:
            return item.not_before is None or item.not_before <= now
        return item.state is InboxState.CLAIMED and self._leases[item.event_id].until <= now

    def finish_inbox(
        self,
        event_id: str,
        state: InboxState,
        *,
        detail: str | None,
        effects: Sequence[OutboxEffect] = (),
        now: datetime,
    ) -> None:
        check_terminal(event_id, state)
        with self._lock:
            item = self._known_item(event_id)
            if item.state.terminal:
                return
            for effect in effects:
                if effect.effect_id not in self._outbox:
                    self._outbox[effect.effect_id] = _planned(effect, next(self._seq))
            self._inbox[event_id] = replace(item, state=state, detail=detail, not_before=None)
            self._leases.pop(event_id, None)

    def release_inbox(self, event_id: str, *, retry_at: datetime, detail: str) -> None:
        with self._lock:
            item = self._known_item(event_id)
            if item.state is not InboxState.CLAIMED:
                return
            self._inbox[event_id] = replace(
                item, state=InboxState.PENDING, not_before=retry_at, detail=detail
            )
            self._leases.pop(event_id, None)

    def inbox_item(self, event_id: str) -> InboxItem | None:
        with self._lock:
            return self._inbox.get(event_id)

    def inbox(self, *, states: frozenset[InboxState] | None = None) -> list[InboxItem]:
        with self._lock:
            items = list(self._inbox.values())
        return [i for i in items if states is None or i.state in states]

    def _known_item(self, event_id: str) -> InboxItem:
        item = self._inbox.get(event_id)
        if item is None:
            raise unknown_event(event_id)
        return item

    # -- outbox -----------------------------------------------------------------------------
    def claim_outbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxEffect]:
        check_claim(limit)
        with self._lock:
            heads: dict[str, OutboxEffect] = {}
            for effect in self._outbox.values():  # planning order, which is seq order
                if effect.state in _OPEN_OUTBOX:
                    heads.setdefault(effect.ordering_key, effect)
            due = [e for e in heads.values() if self._outbox_due(e, now)]
            claimed = []
            for effect in due[:limit]:
                taken = replace(effect, state=OutboxState.CLAIMED, attempts=effect.attempts + 1)
                self._outbox[effect.effect_id] = taken
                self._leases[effect.effect_id] = _Lease(worker, now + lease)
                claimed.append(taken)
            return claimed

    def _outbox_due(self, effect: OutboxEffect, now: datetime) -> bool:
        if effect.state is OutboxState.PENDING:
            return effect.next_attempt_at is None or effect.next_attempt_at <= now
        return self._leases[effect.effect_id].until <= now

    def effect_sent(self, effect_id: str, *, status: int, now: datetime) -> None:
        with self._lock:
            effect = self._known_effect(effect_id)
            if not effect.state.terminal:
                self._close_effect(replace(effect, state=OutboxState.SENT, last_status=status))

    def effect_retry(
        self, effect_id: str, *, next_attempt_at: datetime, status: int | None, detail: str
    ) -> None:
        with self._lock:
            effect = self._known_effect(effect_id)
            if effect.state.terminal:
                return
            self._outbox[effect_id] = replace(
                effect,
                state=OutboxState.PENDING,
                next_attempt_at=next_attempt_at,
                last_status=status,
                detail=detail,
            )
            self._leases.pop(effect_id, None)

    def effect_replace(self, effect: OutboxEffect) -> None:
        with self._lock:
            current = self._known_effect(effect.effect_id)
            if current.state is not OutboxState.CLAIMED:
                return
            self._outbox[effect.effect_id] = replace(
                current, path=effect.path, body=effect.body, headers=dict(effect.headers)
            )

    def effect_dead(self, effect_id: str, *, status: int | None, reason: str, now: datetime) -> str:
        with self._lock:
            effect = self._known_effect(effect_id)
            if not effect.state.terminal:
                dead = replace(
                    effect, state=OutboxState.DEAD_LETTERED, last_status=status, detail=reason
                )
                self._close_effect(dead)
            return self._open_incident(OUTBOX_DEAD_LETTER, effect_id, reason, now)

    def effect_cancel(self, effect_id: str, *, reason: str, now: datetime) -> None:
        with self._lock:
            effect = self._known_effect(effect_id)
            if not effect.state.terminal:
                self._close_effect(replace(effect, state=OutboxState.CANCELLED, detail=reason))

    def effect(self, effect_id: str) -> OutboxEffect | None:
        with self._lock:
            return self._outbox.get(effect_id)

    def outbox(self, *, event_id: str | None = None) -> list[OutboxEffect]:
        with self._lock:
            effects = list(self._outbox.values())
        return [e for e in effects if event_id is None or e.event_id == event_id]

    def _known_effect(self, effect_id: str) -> OutboxEffect:
        effect = self._outbox.get(effect_id)
        if effect is None:
            raise unknown_effect(effect_id)
        return effect

    def _close_effect(self, effect: OutboxEffect) -> None:
        self._outbox[effect.effect_id] = effect
        self._leases.pop(effect.effect_id, None)

    # -- incidents and dead letters -----------------------------------------------------------
    def dead_letter_inbox(self, event_id: str, *, reason: str, now: datetime) -> str:
        with self._lock:
            item = self._known_item(event_id)
            if not item.state.terminal:
                dead = replace(item, state=InboxState.DEAD_LETTERED, detail=reason)
                self._inbox[event_id] = dead
                self._leases.pop(event_id, None)
            return self._open_incident(INBOX_DEAD_LETTER, event_id, reason, now)

    def _open_incident(self, kind: str, ref: str, reason: str, now: datetime) -> str:
        ident = incident_id(kind, ref)
        self._incidents.setdefault(ident, Incident(ident, kind, ref, reason, opened_at=now))
        return ident

    def incidents(self, *, open_only: bool = True) -> list[Incident]:
        with self._lock:
            found = list(self._incidents.values())  # dicts keep opening order
        return [i for i in found if not open_only or i.closed_at is None]

    def depths(self) -> QueueDepths:
        with self._lock:
            inbox, outbox = zero_depths()
            for item in self._inbox.values():
                inbox[item.state.value] += 1
            for effect in self._outbox.values():
                outbox[effect.state.value] += 1
            open_incidents = sum(1 for i in self._incidents.values() if i.closed_at is None)
        return QueueDepths(inbox=inbox, outbox=outbox, open_incidents=open_incidents)

    # -- the engine's view of other systems' records -----------------------------------------
    def remember_record(
        self, system: str, record_id: str, *, person: str, version: str | None
    ) -> None:
        with self._lock:
            self._records[(system, record_id)] = (person, version)  # an update keeps its place

    def record_of(self, system: str, person: str) -> tuple[str, str | None] | None:
        with self._lock:
            for (known_system, record_id), (holder, version) in self._records.items():
                if known_system == system and holder == person:
                    return record_id, version
        return None

    def person_of(self, system: str, record_id: str) -> str | None:
        with self._lock:
            known = self._records.get((system, record_id))
        return None if known is None else known[0]

    def replica(self, system: str, person: str, field: str) -> int | None:
        with self._lock:
            return self._replicas.get((system, person, field))

    def set_replica(self, system: str, person: str, field: str, version: int) -> None:
        with self._lock:
            key = (system, person, field)
            self._replicas[key] = max(version, self._replicas.get(key, version))

    # -- reconciliation ---------------------------------------------------------------------
    def cursor(self, feed: str) -> str | None:
        with self._lock:
            return self._cursors.get(feed)

    def set_cursor(self, feed: str, position: str) -> None:
        with self._lock:
            self._cursors[feed] = position


def _planned(effect: OutboxEffect, seq: int) -> OutboxEffect:
    """A freshly planned effect as the store keeps it: PENDING, never tried, in planning order."""
    return replace(
        effect,
        headers=dict(effect.headers),
        state=OutboxState.PENDING,
        attempts=0,
        last_status=None,
        detail=None,
        seq=seq,
    )

"""A sync store that dies at a chosen call: the crash points of the delivery state machine.

``CrashingStore`` wraps a real store (memory or SQLite) and forwards every call. Armed with a
``Fuse`` naming a method, the next call of that method raises ``Crash`` (a ``BaseException``,
so the worker's and sender's ``except Exception`` do not catch it, as a SIGKILL would not be
caught): on ``claim_inbox`` after the claim committed (a batch claimed, nothing processed); on
``finish_inbox`` before it runs (decided and flushed, not acknowledged); on ``effect_sent``
before it runs (the target applied the effect, the store does not know).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from splitbrain.engine.service_layer.sync.model import (
    InboxItem,
    InboxState,
    Incident,
    OutboxEffect,
    QueueDepths,
)
from splitbrain.engine.service_layer.sync.ports import SyncStore

CRASH_POINTS = ("claim_inbox", "finish_inbox", "effect_sent")


class Crash(BaseException):
    """The process died here."""


@dataclass(slots=True)
class Fuse:
    armed: str | None = None

    def blow(self, point: str) -> None:
        if self.armed == point:
            self.armed = None
            raise Crash(point)


class CrashingStore(SyncStore):
    def __init__(self, inner: SyncStore, fuse: Fuse) -> None:
        self.inner = inner
        self.fuse = fuse

    def receive(self, item: InboxItem) -> bool:
        return self.inner.receive(item)

    def claim_inbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[InboxItem]:
        claimed = self.inner.claim_inbox(worker, now=now, lease=lease, limit=limit)
        if claimed:
            self.fuse.blow("claim_inbox")
        return claimed

    def finish_inbox(
        self,
        event_id: str,
        state: InboxState,
        *,
        detail: str | None,
        effects: Sequence[OutboxEffect] = (),
        now: datetime,
    ) -> None:
        self.fuse.blow("finish_inbox")
        self.inner.finish_inbox(event_id, state, detail=detail, effects=effects, now=now)

    def release_inbox(self, event_id: str, *, retry_at: datetime, detail: str) -> None:
        self.inner.release_inbox(event_id, retry_at=retry_at, detail=detail)

    def inbox_item(self, event_id: str) -> InboxItem | None:
        return self.inner.inbox_item(event_id)

    def inbox(self, *, states: frozenset[InboxState] | None = None) -> list[InboxItem]:
        return self.inner.inbox(states=states)

    def claim_outbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxEffect]:
        return self.inner.claim_outbox(worker, now=now, lease=lease, limit=limit)

    def effect_sent(self, effect_id: str, *, status: int, now: datetime) -> None:
        self.fuse.blow("effect_sent")
        self.inner.effect_sent(effect_id, status=status, now=now)

    def effect_retry(
        self, effect_id: str, *, next_attempt_at: datetime, status: int | None, detail: str
    ) -> None:
        self.inner.effect_retry(
            effect_id, next_attempt_at=next_attempt_at, status=status, detail=detail
        )

    def effect_replace(self, effect: OutboxEffect) -> None:
        self.inner.effect_replace(effect)

    def effect_dead(self, effect_id: str, *, status: int | None, reason: str, now: datetime) -> str:
        return self.inner.effect_dead(effect_id, status=status, reason=reason, now=now)

    def effect_cancel(self, effect_id: str, *, reason: str, now: datetime) -> None:
        self.inner.effect_cancel(effect_id, reason=reason, now=now)

    def effect(self, effect_id: str) -> OutboxEffect | None:
        return self.inner.effect(effect_id)

    def outbox(self, *, event_id: str | None = None) -> list[OutboxEffect]:
        return self.inner.outbox(event_id=event_id)

    def dead_letter_inbox(self, event_id: str, *, reason: str, now: datetime) -> str:
        return self.inner.dead_letter_inbox(event_id, reason=reason, now=now)

    def incidents(self, *, open_only: bool = True) -> list[Incident]:
        return self.inner.incidents(open_only=open_only)

    def depths(self) -> QueueDepths:
        return self.inner.depths()

    def remember_record(
        self, system: str, record_id: str, *, person: str, version: str | None
    ) -> None:
        self.inner.remember_record(system, record_id, person=person, version=version)

    def record_of(self, system: str, person: str) -> tuple[str, str | None] | None:
        return self.inner.record_of(system, person)

    def person_of(self, system: str, record_id: str) -> str | None:
        return self.inner.person_of(system, record_id)

    def replica(self, system: str, person: str, field: str) -> int | None:
        return self.inner.replica(system, person, field)

    def set_replica(self, system: str, person: str, field: str, version: int) -> None:
        self.inner.set_replica(system, person, field, version)

    def cursor(self, feed: str) -> str | None:
        return self.inner.cursor(feed)

    def set_cursor(self, feed: str, position: str) -> None:
        self.inner.set_cursor(feed, position)

    def close(self) -> None:
        self.inner.close()

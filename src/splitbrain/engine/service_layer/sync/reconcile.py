"""Reconciliation: what the webhooks missed, read back from each system's change feed.

Webhooks and Subscription notifications can be lost (dropped by the network, the engine down
when they were sent). Each system also keeps a feed of its changes: the CRM's and the portal's
``GET /changes``, the EHR's FHIR ``_history`` per resource type. A pass reads every feed from
the position stored in the sync store (``SyncStore.cursor``), puts every entry the inbox does not
hold yet into the inbox, exactly as if its webhook had come (same event id, same channel, same
translator), and then stores the new position. Event ids are record versions, so an entry the
webhooks did deliver is recognised and skipped (counted as replayed, never applied twice); a
crash between receiving and storing the position re-reads a page and skips it the same way.

A feed never read starts at its current end (``ChangeFeed.head``): the engine answers for what
changed since it began listening, not for the systems' past. A feed that cannot be read (its
system down) is reported and keeps its position; the next pass reads from there.

Example::

    reconciler = Reconciler(store, feeds=[crm_feed, portal_feed, *ehr_feeds], clock=clock)
    reconciler.start()                     # first contact: remember each feed's end
    report = reconciler.run()              # later, on a timer or on demand (POST /reconcile)
    report.received                        # entries the webhooks had missed
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from splitbrain.engine.service_layer.clock import Clock
from splitbrain.engine.service_layer.errors import ServiceLayerError
from splitbrain.engine.service_layer.sync.model import InboxItem
from splitbrain.engine.service_layer.sync.ports import SyncStore

log = logging.getLogger("splitbrain.engine.reconcile")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One change, as its webhook would have delivered it."""

    event_id: str
    source: str
    channel: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class FeedPage:
    entries: tuple[FeedEntry, ...]
    """Oldest first."""
    position: str
    """Where the next read starts once these entries are received."""
    more: bool = False
    """Another page is waiting at ``position`` now."""
    gap: bool = False
    """The feed no longer holds some changes after the position read from (retention)."""


class FeedReadError(ServiceLayerError):
    """A feed could not be read (its system down or refusing): the pass reports it and goes on;
    the message names the feed, the request and the status."""


class ChangeFeed(Protocol):
    name: str
    """The cursor's key in the sync store (``crm:changes``, ``ehr:Patient/_history``)."""

    def head(self) -> str:
        """The feed's current end, as a position; raises ``FeedReadError``."""
        ...

    def read(self, position: str) -> FeedPage:
        """The changes after ``position``; raises ``FeedReadError``."""
        ...

    def close(self) -> None:
        """Release the feed's connections."""
        ...


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    feed: str
    received: int = 0
    """Entries the inbox did not hold: the webhooks had missed them."""
    replayed: int = 0
    """Entries the inbox held already (delivered by their webhooks): skipped."""
    gap: bool = False
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    feeds: tuple[FeedOutcome, ...]

    @property
    def received(self) -> int:
        return sum(f.received for f in self.feeds)

    def as_json(self) -> dict[str, object]:
        return {
            "received": self.received,
            "feeds": {
                f.feed: {"received": f.received, "replayed": f.replayed, "gap": f.gap,
                         "error": f.error}
                for f in self.feeds
            },
        }  # fmt: skip


@dataclass
class Reconciler:
    store: SyncStore
    feeds: Sequence[ChangeFeed]
    clock: Clock
    max_pages: int = 100
    """Pages read from one feed in one pass; the rest waits for the next pass."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        """Give each feed never read a position: its current end (a feed that cannot be read
        now gets it on its first successful pass)."""
        with self._lock:
            for feed in self.feeds:
                if self.store.cursor(feed.name) is None:
                    try:
                        self.store.set_cursor(feed.name, feed.head())
                    except FeedReadError as exc:
                        log.warning("change feed %s has no position yet: %s", feed.name, exc)

    def run(self) -> ReconcileReport:
        """One pass over every feed (passes never overlap); what each feed yielded."""
        with self._lock:
            return ReconcileReport(tuple(self._feed(feed) for feed in self.feeds))

    def close(self) -> None:
        for feed in self.feeds:
            feed.close()

    def _feed(self, feed: ChangeFeed) -> FeedOutcome:
        received = replayed = 0
        gap = False
        try:
            position = self.store.cursor(feed.name)
            if position is None:
                self.store.set_cursor(feed.name, feed.head())
                return FeedOutcome(feed.name)
            for _page in range(self.max_pages):
                page = feed.read(position)
                gap = gap or page.gap
                for entry in page.entries:
                    if self._receive(entry):
                        received += 1
                    else:
                        replayed += 1
                if page.position != position:
                    self.store.set_cursor(feed.name, page.position)
                    position = page.position
                if not page.more:
                    break
        except FeedReadError as exc:
            log.warning("change feed %s not read: %s", feed.name, exc)
            return FeedOutcome(feed.name, received, replayed, gap, str(exc))
        if received:
            log.info("reconciled %d missed change(s) from %s", received, feed.name)
        if gap:
            log.error("change feed %s lost changes to retention before they were read", feed.name)
        return FeedOutcome(feed.name, received, replayed, gap)

    def _receive(self, entry: FeedEntry) -> bool:
        if self.store.inbox_item(entry.event_id) is not None:
            return False
        item = InboxItem(event_id=entry.event_id, source=entry.source, channel=entry.channel,
                         payload=entry.payload, received_at=self.clock.now())  # fmt: skip
        return self.store.receive(item)

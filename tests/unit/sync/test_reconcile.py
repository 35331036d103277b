"""Reconciliation receives what the webhooks missed, from where it last read, exactly once.

The feeds here are fakes of the ``ChangeFeed`` port (a list of entries, positions as numbers);
the HTTP feeds are tested against a growing EHR history below and end to end in
features/resilience/webhooks.feature.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from splitbrain.engine.adapters.change_feeds import FhirHistoryFeed, WebhookChangeFeed
from splitbrain.engine.adapters.sync_memory import InMemorySyncStore
from splitbrain.engine.adapters.sync_targets import Endpoint
from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.sync.model import InboxItem, InboxState
from splitbrain.engine.service_layer.sync.reconcile import (
    FeedEntry,
    FeedPage,
    FeedReadError,
    Reconciler,
)
from splitbrain.harness.paths import default_matrix

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class ListFeed:
    """A change feed held in a list: position N = the first N entries were read."""

    name: str = "crm:changes"
    entries: list[FeedEntry] = field(default_factory=list)
    page: int = 2
    down: bool = False

    def add(self, n: int) -> FeedEntry:
        entry = FeedEntry(f"crm:Contact/c{n}@1", "crm", "webhook", b'{"n": %d}' % n)
        self.entries.append(entry)
        return entry

    def head(self) -> str:
        if self.down:
            raise FeedReadError(f"{self.name}: GET /changes answered 503")
        return str(len(self.entries))

    def read(self, position: str) -> FeedPage:
        self.head()  # raises while down
        start = int(position)
        taken = self.entries[start : start + self.page]
        end = start + len(taken)
        return FeedPage(tuple(taken), str(end), more=end < len(self.entries))

    def close(self) -> None:
        return None


def _reconciler(feed: ListFeed, store: InMemorySyncStore) -> Reconciler:
    return Reconciler(store, [feed], FixedClock(AT))


def test_a_first_contact_starts_at_the_feeds_end_not_at_its_past() -> None:
    store, feed = InMemorySyncStore(), ListFeed()
    feed.add(1)

    _reconciler(feed, store).start()

    assert store.cursor("crm:changes") == "1"
    assert store.inbox() == []


def test_missed_changes_are_received_in_order_and_the_cursor_moves_past_them() -> None:
    store, feed = InMemorySyncStore(), ListFeed()
    reconciler = _reconciler(feed, store)
    reconciler.start()
    missed = [feed.add(n) for n in (1, 2, 3)]

    report = reconciler.run()

    assert report.received == 3
    assert [i.event_id for i in store.inbox()] == [e.event_id for e in missed]
    assert all(i.state is InboxState.PENDING and i.channel == "webhook" for i in store.inbox())
    assert store.cursor("crm:changes") == "3"


def test_a_change_its_webhook_delivered_is_skipped_not_counted_as_a_delivery() -> None:
    store, feed = InMemorySyncStore(), ListFeed()
    reconciler = _reconciler(feed, store)
    reconciler.start()
    delivered = feed.add(1)
    store.receive(InboxItem(delivered.event_id, "crm", "webhook", delivered.payload, AT))
    feed.add(2)

    report = reconciler.run()

    assert (report.received, report.feeds[0].replayed) == (1, 1)
    known = store.inbox_item(delivered.event_id)
    assert known is not None and known.deliveries == 1


def test_a_pass_after_a_pass_receives_nothing_again() -> None:
    store, feed = InMemorySyncStore(), ListFeed()
    reconciler = _reconciler(feed, store)
    reconciler.start()
    feed.add(1)
    reconciler.run()

    again = reconciler.run()

    assert again.received == 0 and again.feeds[0].replayed == 0


def test_a_feed_that_cannot_be_read_keeps_its_position_and_is_read_later() -> None:
    store, feed = InMemorySyncStore(), ListFeed()
    reconciler = _reconciler(feed, store)
    reconciler.start()
    feed.add(1)
    feed.down = True

    failed = reconciler.run()
    feed.down = False
    later = reconciler.run()

    assert failed.feeds[0].error is not None and "503" in failed.feeds[0].error
    assert store.cursor("crm:changes") == "1" and later.received == 1


def test_a_feed_down_at_start_gets_its_position_on_the_first_pass_that_reads_it() -> None:
    store, feed = InMemorySyncStore(), ListFeed(down=True)
    reconciler = _reconciler(feed, store)
    reconciler.start()
    feed.down = False
    feed.add(1)

    first = reconciler.run()

    assert first.received == 0 and store.cursor("crm:changes") == "1"


# -- the HTTP feeds --------------------------------------------------------------------------
def _version(n: int) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": str(n), "meta": {"versionId": "1"}}


class GrowingHistory:
    """An EHR type history, newest first, that gains a version after every page it serves."""

    def __init__(self, versions: int) -> None:
        self.versions = [_version(n) for n in range(1, versions + 1)]
        self.grow = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        count = int(request.url.params["_count"])
        offset = int(request.url.params["_offset"])
        newest = self.versions[::-1]
        entry = [{"resource": r} for r in newest[offset : offset + count]]
        body = {"resourceType": "Bundle", "type": "history", "total": len(self.versions),
                "entry": entry}  # fmt: skip
        if self.grow:
            self.versions.append(_version(len(self.versions) + 1))
        return httpx.Response(200, json=body)


def test_the_ehr_history_read_while_it_grows_has_no_hole_and_no_repeat() -> None:
    history = GrowingHistory(3)
    http = httpx.Client(base_url="http://ehr.test/fhir", transport=httpx.MockTransport(history))
    feed = FhirHistoryFeed("Patient", Endpoint("http://ehr.test/fhir", "k"), page=2, http=http)
    start = feed.head()
    for n in range(4, 10):
        history.versions.append(_version(n))
    history.grow = True

    page = feed.read(start)

    assert [e.event_id for e in page.entries] == [f"ehr:Patient/{n}@1" for n in range(4, 10)]
    assert page.position == "9"  # versions written during the read wait for the next pass
    http.close()


def test_the_change_feed_pages_until_its_head() -> None:
    events = [{"type": "contact.updated", "resource": "Contact", "id": f"c{n}", "version": 2,
               "actor": "ops", "occurred_at": AT.isoformat()} for n in (1, 2, 3)]  # fmt: skip

    def changes(request: httpx.Request) -> httpx.Response:
        since, limit = int(request.url.params["since"]), int(request.url.params["limit"])
        items = [{"seq": n + 1, "event": e} for n, e in enumerate(events)][since : since + limit]
        return httpx.Response(200, json={"items": items, "head": 3, "gap": False})

    http = httpx.Client(base_url="http://crm.test", transport=httpx.MockTransport(changes))
    feed = WebhookChangeFeed("crm", Endpoint("http://crm.test", "k"), page=2, http=http)

    first = feed.read("0")
    second = feed.read(first.position)

    assert [e.event_id for e in first.entries] == ["crm:Contact/c1@2", "crm:Contact/c2@2"]
    assert first.more and first.position == "2"
    assert [e.event_id for e in second.entries] == ["crm:Contact/c3@2"] and not second.more
    http.close()


# -- the service ---------------------------------------------------------------------------
@pytest.fixture
def service() -> Iterator[EngineService]:
    built = bootstrap_service(matrix=default_matrix(), store="memory", endpoints={},
                              clock=FixedClock(AT))  # fmt: skip
    yield built
    built.close()


def test_idle_is_false_while_a_pass_is_due_after_a_delivery(service: EngineService) -> None:
    feed = ListFeed()
    service.reconciler = Reconciler(service.store, [feed], FixedClock(AT))
    service.reconcile_every = 0.0
    body = json.dumps({"type": "contact.deleted", "resource": "Contact", "id": "c1",
                       "version": 1, "actor": "ops", "occurred_at": AT.isoformat()})  # fmt: skip
    service.receive("crm", "webhook", body.encode())
    service.worker.run_once()

    before = service.idle()
    service.reconcile()
    after = service.idle()

    assert (before, after) == (False, True)


def test_reconcile_without_feeds_reports_nothing(service: EngineService) -> None:
    assert service.reconcile().as_json() == {"received": 0, "feeds": {}}


def _post_reconcile(service: EngineService) -> httpx.Response:
    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(service.app())
        async with httpx.AsyncClient(transport=transport, base_url="http://engine") as http:
            return await http.post("/reconcile")

    return asyncio.run(post())


def test_post_reconcile_runs_a_pass_and_answers_its_report(service: EngineService) -> None:
    feed = ListFeed()
    service.reconciler = Reconciler(service.store, [feed], FixedClock(AT))
    service.reconciler.start()
    feed.add(1)

    answer = _post_reconcile(service)

    assert answer.status_code == 200
    assert answer.json()["feeds"]["crm:changes"] == {
        "received": 1, "replayed": 0, "gap": False, "error": None,
    }  # fmt: skip


def test_post_reconcile_on_an_engine_without_feeds_is_not_found(service: EngineService) -> None:
    assert _post_reconcile(service).status_code == 404

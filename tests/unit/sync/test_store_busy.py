"""A busy store (SQLite lock, PostgreSQL serialization failure) is retried, bounded and counted.

``StoreBusy`` means the transaction was rolled back whole, so running it again is safe; the
worker does that a few times with a jittered backoff before the item's own retry takes over,
and ``/metrics`` counts every retry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest
from prometheus_client import generate_latest
from prometheus_client.registry import CollectorRegistry

from splitbrain.engine.adapters.sync_memory import InMemorySyncStore
from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.entrypoints.metrics import EngineCollector, extra_for
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.errors import StoreBusy
from splitbrain.engine.service_layer.sync.busy import BusyRetry
from splitbrain.engine.service_layer.sync.gates import Figures
from splitbrain.engine.service_layer.sync.model import InboxItem, InboxState, OutboxEffect
from splitbrain.engine.service_layer.sync.worker import SyncWorker
from splitbrain.harness.paths import default_matrix

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
EVENT = "crm:Contact/c1@1"


class BusyFinish(InMemorySyncStore):
    """The fake of a store another process holds: ``finish_inbox`` is busy ``times`` times."""

    def __init__(self, times: int) -> None:
        super().__init__()
        self.busy_left = times

    def finish_inbox(
        self, event_id: str, state: InboxState, *, detail: str | None,
        effects: Sequence[OutboxEffect] = (), now: datetime,
    ) -> None:  # fmt: skip
        if self.busy_left:
            self.busy_left -= 1
            raise StoreBusy("sync", "the lock was held past busy_timeout")
        super().finish_inbox(event_id, state, detail=detail, effects=effects, now=now)


@pytest.fixture
def service() -> Iterator[EngineService]:
    built = bootstrap_service(matrix=default_matrix(), store="memory", endpoints={},
                              actor_roles={"ops": "intake_ops"}, clock=FixedClock(AT))  # fmt: skip
    yield built
    built.close()


def _worker(service: EngineService, store: InMemorySyncStore, sleeps: list[float]) -> SyncWorker:
    old = service.worker
    return SyncWorker(service.engine, store, old.translators, old.planner, old.workflow,
                      busy=BusyRetry(attempts=4, base=0.01, cap=0.05, seed=3,
                                     sleep=sleeps.append))  # fmt: skip


def _contact_created() -> InboxItem:
    event = {"type": "contact.created", "resource": "Contact", "id": "c1", "version": 1,
             "actor": "ops", "occurred_at": AT.isoformat(),
             "record": {"first_name": "Ana", "last_name": "Quill", "email": "ana@example.org",
                        "custom": {"override_reason": "intake correction"}}}  # fmt: skip
    return InboxItem(EVENT, "crm", "webhook", json.dumps(event).encode(), AT)


def test_busy_retry_runs_again_until_the_store_answers_and_counts_each_retry() -> None:
    answers: list[object] = [StoreBusy("sync", "locked"), StoreBusy("sync", "locked"), "done"]
    sleeps: list[float] = []
    busy = BusyRetry(attempts=5, base=0.01, cap=0.03, seed=1, sleep=sleeps.append)

    def transaction() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return str(answer)

    assert busy.run(transaction) == "done"
    assert (busy.retries, busy.exhausted) == (2, 0)
    assert len(sleeps) == 2 and all(0 <= s <= 0.03 for s in sleeps)


def test_busy_retry_is_bounded_and_gives_the_last_store_busy_back() -> None:
    busy = BusyRetry(attempts=3, sleep=lambda _: None)

    def always_busy() -> None:
        raise StoreBusy("sync", "locked")

    with pytest.raises(StoreBusy):
        busy.run(always_busy)
    assert (busy.retries, busy.exhausted) == (2, 1)


def test_the_worker_retries_a_busy_finish_and_applies_the_event_once(
    service: EngineService,
) -> None:
    store, sleeps = BusyFinish(times=2), list[float]()
    worker = _worker(service, store, sleeps)
    store.receive(_contact_created())

    worker.run_once()

    item = store.inbox_item(EVENT)
    assert item is not None and item.state is InboxState.APPLIED and item.attempts == 1
    metrics = service.engine.metrics()
    assert (metrics.writes_decided, metrics.applied, metrics.duplicate_deliveries) == (2, 2, 0)
    assert worker.busy.retries == 2 and len(sleeps) == 2
    assert [e.event_id for e in store.outbox()] == [EVENT] * len(store.outbox()) != []


def test_a_store_busy_past_the_bound_releases_the_event_for_later_not_to_dead_letters(
    service: EngineService,
) -> None:
    store = BusyFinish(times=10)
    worker = _worker(service, store, [])
    store.receive(_contact_created())

    worker.run_once()

    item = store.inbox_item(EVENT)
    assert item is not None and item.state is InboxState.PENDING
    assert worker.busy.exhausted == 1 and store.depths().open_incidents == 0


def test_metrics_count_store_busy_retries(service: EngineService) -> None:
    store = BusyFinish(times=3)
    worker = _worker(service, store, [])
    store.receive(_contact_created())
    worker.run_once()
    registry = CollectorRegistry()
    extra = extra_for(service.engine, Figures(), worker.busy)
    registry.register(EngineCollector(service.engine, store, extra))

    text = generate_latest(registry).decode()

    assert "splitbrain_store_busy_retries_total 3.0" in text

"""The sync store contract, the same claims on every store: memory, SQLite and PostgreSQL.

Time is passed explicitly (``now=``), so leases expire by moving ``now``, never by sleeping.
What only the durable stores promise (reopening, sharing a file or a database, many workers
at once) is in ``test_sync_store_durable.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from splitbrain.engine.adapters.sync_memory import InMemorySyncStore
from splitbrain.engine.adapters.sync_postgres import PostgresSyncStore
from splitbrain.engine.adapters.sync_sqlite import SqliteSyncStore
from splitbrain.engine.service_layer.errors import StoreError
from splitbrain.engine.service_layer.sync.model import (
    InboxItem,
    InboxState,
    OutboxEffect,
    OutboxState,
)
from splitbrain.engine.service_layer.sync.ports import SyncStore

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
OPEN_INBOX = frozenset({InboxState.PENDING, InboxState.CLAIMED})


def item(n: int, *, source: str = "crm") -> InboxItem:
    return InboxItem(
        event_id=f"{source}:evt-{n}",
        source=source,
        channel="webhook",
        payload=f'{{"event": {n}}}'.encode(),
        received_at=T0 + timedelta(milliseconds=n),
    )


def effect(event_id: str, n: int, *, key: str = "crm:contact/c1") -> OutboxEffect:
    return OutboxEffect(
        effect_id=f"eff-{event_id}-{n}",
        event_id=event_id,
        target="crm",
        method="PATCH",
        path="/contacts/c1",
        body=f'{{"stage": {n}}}'.encode(),
        idempotency_key=f"idem-{event_id}-{n}",
        ordering_key=key,
        created_at=T0,
        headers={"If-Match": f'W/"{n}"'},
    )


def _open_sqlite(tmp_path: Path) -> SyncStore:
    return SqliteSyncStore.open(tmp_path / "engine.sqlite")


STORES = [
    pytest.param("memory", id="memory"),
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SyncStore]:
    opened: SyncStore
    if request.param == "memory":
        opened = InMemorySyncStore()
    elif request.param == "sqlite":
        opened = _open_sqlite(tmp_path)
    else:
        opened = PostgresSyncStore.open(request.getfixturevalue("postgres_db"))
    yield opened
    opened.close()


def received(store: SyncStore, *numbers: int) -> list[str]:
    for n in numbers:
        store.receive(item(n))
    return [item(n).event_id for n in numbers]


def finished_with(store: SyncStore, effects: list[OutboxEffect], n: int = 900) -> str:
    """A received, claimed and applied event whose plan is ``effects``; its id."""
    [event_id] = received(store, n)
    store.claim_inbox("w-plan", now=T0, lease=LEASE, limit=100)
    store.finish_inbox(event_id, InboxState.APPLIED, detail=None, effects=effects, now=T0)
    return event_id


def ids(found: list[InboxItem] | list[OutboxEffect]) -> list[str]:
    return [x.event_id if isinstance(x, InboxItem) else x.effect_id for x in found]


# -- inbox ----------------------------------------------------------------------------------
def test_a_new_event_is_stored_pending_and_a_redelivery_is_only_counted(store: SyncStore) -> None:
    first = store.receive(item(1))

    again = [store.receive(item(1)) for _ in range(2)]

    stored = store.inbox_item("crm:evt-1")
    assert first is True
    assert again == [False, False]
    assert stored is not None
    assert (stored.state, stored.deliveries, stored.attempts) == (InboxState.PENDING, 3, 0)
    assert (stored.payload, stored.received_at) == (item(1).payload, item(1).received_at)
    assert [i.event_id for i in store.inbox()] == ["crm:evt-1"]


def test_an_unknown_event_is_none(store: SyncStore) -> None:
    assert store.inbox_item("crm:evt-404") is None


def test_claims_take_the_oldest_items_first_and_count_attempts(store: SyncStore) -> None:
    received(store, 3, 1, 2, 4)

    first = store.claim_inbox("w1", now=T0, lease=LEASE, limit=2)
    second = store.claim_inbox("w1", now=T0, lease=LEASE, limit=10)

    assert ids(first) == ["crm:evt-3", "crm:evt-1"]  # arrival order, not event numbers
    assert ids(second) == ["crm:evt-2", "crm:evt-4"]
    assert all(i.state is InboxState.CLAIMED and i.attempts == 1 for i in first + second)
    assert first[0].seq < first[1].seq < second[0].seq < second[1].seq


def test_a_second_worker_does_not_get_an_item_while_its_lease_holds(store: SyncStore) -> None:
    received(store, 1, 2)
    store.claim_inbox("w1", now=T0, lease=LEASE, limit=1)

    other = store.claim_inbox(
        "w2", now=T0 + LEASE - timedelta(microseconds=1), lease=LEASE, limit=5
    )

    assert ids(other) == ["crm:evt-2"]


def test_an_expired_lease_makes_the_item_claimable_again_with_one_more_attempt(
    store: SyncStore,
) -> None:
    received(store, 1)
    store.claim_inbox("w1", now=T0, lease=LEASE, limit=1)

    retaken = store.claim_inbox("w2", now=T0 + LEASE, lease=LEASE, limit=1)
    meanwhile = store.claim_inbox("w3", now=T0 + LEASE, lease=LEASE, limit=1)

    assert [(i.event_id, i.attempts) for i in retaken] == [("crm:evt-1", 2)]
    assert meanwhile == []


def test_finish_moves_the_item_to_its_terminal_state_with_its_effects(store: SyncStore) -> None:
    [event_id] = received(store, 1)
    store.claim_inbox("w1", now=T0, lease=LEASE, limit=1)
    plan = [effect(event_id, 1), effect(event_id, 2, key="portal:status/p1")]

    store.finish_inbox(event_id, InboxState.APPLIED, detail="2 fields", effects=plan, now=T0)

    done = store.inbox_item(event_id)
    assert done is not None
    assert (done.state, done.detail) == (InboxState.APPLIED, "2 fields")
    stored = store.outbox(event_id=event_id)
    assert ids(stored) == [plan[0].effect_id, plan[1].effect_id]
    assert stored[0].seq < stored[1].seq
    assert all(e.state is OutboxState.PENDING and e.attempts == 0 for e in stored)
    assert (stored[0].body, dict(stored[0].headers)) == (plan[0].body, {"If-Match": 'W/"1"'})
    assert store.inbox(states=OPEN_INBOX) == []


def test_finish_inserts_an_effect_id_once_and_leaves_the_present_one_as_it_is(
    store: SyncStore,
) -> None:
    first = finished_with(store, [effect("crm:evt-900", 1)])
    store.claim_outbox("w1", now=T0, lease=LEASE, limit=1)
    [second] = received(store, 2)
    store.claim_inbox("w1", now=T0, lease=LEASE, limit=1)
    replanned = [effect(first, 1), effect(second, 7)]

    store.finish_inbox(second, InboxState.APPLIED, detail=None, effects=replanned, now=T0)

    kept = store.effect(effect(first, 1).effect_id)
    assert kept is not None
    assert (kept.state, kept.attempts) == (OutboxState.CLAIMED, 1)
    assert ids(store.outbox()) == [effect(first, 1).effect_id, effect(second, 7).effect_id]


def test_finishing_a_terminal_item_changes_nothing(store: SyncStore) -> None:
    [event_id] = received(store, 1)
    store.claim_inbox("w1", now=T0, lease=LEASE, limit=1)
    store.finish_inbox(event_id, InboxState.REJECTED, detail="not_owner", now=T0)

    store.finish_inbox(
        event_id, InboxState.APPLIED, detail="late", effects=[effect(event_id, 1)], now=T0
    )

    done = store.inbox_item(event_id)
    assert done is not None
    assert (done.state, done.detail) == (InboxState.REJECTED, "not_owner")
    assert store.outbox() == []


def test_finish_refuses_an_open_state(store: SyncStore) -> None:
    [event_id] = received(store, 1)

    with pytest.raises(ValueError, match="terminal state"):
        store.finish_inbox(event_id, InboxState.CLAIMED, detail=None, now=T0)


def test_a_released_item_is_not_claimed_before_retry_at(store: SyncStore) -> None:
    [event_id] = received(store, 1)
    store.claim_inbox("w1", now=T0, lease=LEASE, limit=1)
    retry_at = T0 + timedelta(seconds=4)

    store.release_inbox(event_id, retry_at=retry_at, detail="StoreError (attempt 1)")

    released = store.inbox_item(event_id)
    assert released is not None
    assert (released.state, released.not_before) == (InboxState.PENDING, retry_at)
    assert (
        store.claim_inbox("w2", now=retry_at - timedelta(microseconds=1), lease=LEASE, limit=1)
        == []
    )
    assert [i.attempts for i in store.claim_inbox("w2", now=retry_at, lease=LEASE, limit=1)] == [2]


def test_releasing_an_item_that_is_not_claimed_changes_nothing(store: SyncStore) -> None:
    [event_id] = received(store, 1)
    store.claim_inbox("w1", now=T0, lease=LEASE, limit=1)
    store.finish_inbox(event_id, InboxState.APPLIED, detail=None, now=T0)

    store.release_inbox(event_id, retry_at=T0, detail="late release")

    done = store.inbox_item(event_id)
    assert done is not None
    assert (done.state, done.detail) == (InboxState.APPLIED, None)


def test_inbox_lists_items_in_arrival_order_filtered_by_state(store: SyncStore) -> None:
    received(store, 5, 6, 7)
    store.claim_inbox("w1", now=T0, lease=LEASE, limit=1)

    assert ids(store.inbox()) == ["crm:evt-5", "crm:evt-6", "crm:evt-7"]
    assert ids(store.inbox(states=frozenset({InboxState.PENDING}))) == ["crm:evt-6", "crm:evt-7"]
    assert ids(store.inbox(states=frozenset({InboxState.CLAIMED}))) == ["crm:evt-5"]


# -- outbox ---------------------------------------------------------------------------------
def test_a_later_effect_of_one_ordering_key_waits_while_an_earlier_one_is_unfinished(
    store: SyncStore,
) -> None:
    a1, a2 = effect("crm:evt-900", 1, key="crm:c1"), effect("crm:evt-900", 2, key="crm:c1")
    b1 = effect("crm:evt-900", 3, key="crm:c2")
    finished_with(store, [a1, a2, b1])

    first = store.claim_outbox("w1", now=T0, lease=LEASE, limit=10)
    blocked = store.claim_outbox("w2", now=T0, lease=LEASE, limit=10)
    store.effect_sent(a1.effect_id, status=200, now=T0)
    after = store.claim_outbox("w2", now=T0, lease=LEASE, limit=10)

    assert ids(first) == [a1.effect_id, b1.effect_id]
    assert blocked == []
    assert [(e.effect_id, e.state, e.attempts) for e in after] == [
        (a2.effect_id, OutboxState.CLAIMED, 1)
    ]
    sent = store.effect(a1.effect_id)
    assert sent is not None
    assert (sent.state, sent.last_status) == (OutboxState.SENT, 200)


def test_a_retried_effect_is_due_at_next_attempt_at_and_holds_back_its_key(
    store: SyncStore,
) -> None:
    a1, a2 = effect("crm:evt-900", 1), effect("crm:evt-900", 2)
    finished_with(store, [a1, a2])
    store.claim_outbox("w1", now=T0, lease=LEASE, limit=1)
    due = T0 + timedelta(seconds=8)

    store.effect_retry(a1.effect_id, next_attempt_at=due, status=503, detail="crm 503")

    waiting = store.effect(a1.effect_id)
    assert waiting is not None
    assert (waiting.state, waiting.next_attempt_at, waiting.last_status, waiting.detail) == (
        OutboxState.PENDING,
        due,
        503,
        "crm 503",
    )
    assert store.claim_outbox("w1", now=due - timedelta(microseconds=1), lease=LEASE, limit=5) == []
    retried = store.claim_outbox("w1", now=due, lease=LEASE, limit=5)
    assert [(e.effect_id, e.attempts) for e in retried] == [(a1.effect_id, 2)]


def test_an_effect_whose_lease_expired_is_claimable_again(store: SyncStore) -> None:
    a1 = effect("crm:evt-900", 1)
    finished_with(store, [a1])
    store.claim_outbox("w1", now=T0, lease=LEASE, limit=1)

    held = store.claim_outbox(
        "w2", now=T0 + LEASE - timedelta(microseconds=1), lease=LEASE, limit=1
    )
    retaken = store.claim_outbox("w2", now=T0 + LEASE, lease=LEASE, limit=1)

    assert held == []
    assert [(e.effect_id, e.attempts) for e in retaken] == [(a1.effect_id, 2)]


def test_a_dead_lettered_effect_opens_one_incident_and_frees_its_key(store: SyncStore) -> None:
    a1, a2 = effect("crm:evt-900", 1), effect("crm:evt-900", 2)
    finished_with(store, [a1, a2])
    store.claim_outbox("w1", now=T0, lease=LEASE, limit=1)

    incident = store.effect_dead(a1.effect_id, status=422, reason="crm 422 x5", now=T0)
    again = store.effect_dead(a1.effect_id, status=None, reason="replayed", now=T0 + LEASE)

    dead = store.effect(a1.effect_id)
    assert dead is not None
    assert (dead.state, dead.last_status, dead.detail) == (
        OutboxState.DEAD_LETTERED,
        422,
        "crm 422 x5",
    )
    assert again == incident
    [opened] = store.incidents()
    assert (opened.incident_id, opened.kind, opened.ref, opened.reason, opened.opened_at) == (
        incident,
        "outbox_dead_letter",
        a1.effect_id,
        "crm 422 x5",
        T0,
    )
    assert ids(store.claim_outbox("w1", now=T0, lease=LEASE, limit=5)) == [a2.effect_id]


def test_a_cancelled_effect_is_finished_without_an_incident(store: SyncStore) -> None:
    a1, a2 = effect("crm:evt-900", 1), effect("crm:evt-900", 2)
    finished_with(store, [a1, a2])
    store.claim_outbox("w1", now=T0, lease=LEASE, limit=1)

    store.effect_cancel(a1.effect_id, reason="consent revoked", now=T0)
    store.effect_sent(a1.effect_id, status=200, now=T0)  # a late report changes nothing

    cancelled = store.effect(a1.effect_id)
    assert cancelled is not None
    assert (cancelled.state, cancelled.detail) == (OutboxState.CANCELLED, "consent revoked")
    assert store.incidents() == []
    assert ids(store.claim_outbox("w1", now=T0, lease=LEASE, limit=5)) == [a2.effect_id]


def test_a_replaced_effect_keeps_its_claim_with_the_new_request(store: SyncStore) -> None:
    a1 = effect("crm:evt-900", 1)
    finished_with(store, [a1])
    [claimed] = store.claim_outbox("w1", now=T0, lease=LEASE, limit=1)
    reread = replace(
        claimed,
        path="/contacts/c1?v=4",
        body=b'{"stage": "in_care"}',
        headers={"If-Match": 'W/"4"'},
    )

    store.effect_replace(reread)

    replaced = store.effect(a1.effect_id)
    assert replaced is not None
    assert (replaced.path, replaced.body, dict(replaced.headers)) == (
        "/contacts/c1?v=4",
        b'{"stage": "in_care"}',
        {"If-Match": 'W/"4"'},
    )
    assert (replaced.state, replaced.attempts, replaced.idempotency_key) == (
        OutboxState.CLAIMED,
        1,
        a1.idempotency_key,
    )
    assert store.claim_outbox("w2", now=T0, lease=LEASE, limit=1) == []


def test_outbox_lists_effects_in_planning_order_and_by_event(store: SyncStore) -> None:
    first = finished_with(store, [effect("crm:evt-900", 2), effect("crm:evt-900", 1)], n=900)
    second = finished_with(store, [effect("crm:evt-901", 1)], n=901)

    assert ids(store.outbox()) == [
        effect(first, 2).effect_id,
        effect(first, 1).effect_id,
        effect(second, 1).effect_id,
    ]
    assert ids(store.outbox(event_id=second)) == [effect(second, 1).effect_id]


# -- incidents, depths ----------------------------------------------------------------------
def test_a_dead_lettered_event_opens_one_incident(store: SyncStore) -> None:
    [event_id] = received(store, 1)
    store.claim_inbox("w1", now=T0, lease=LEASE, limit=1)

    incident = store.dead_letter_inbox(event_id, reason="unreadable payload", now=T0)
    again = store.dead_letter_inbox(event_id, reason="unreadable payload", now=T0 + LEASE)

    dead = store.inbox_item(event_id)
    assert dead is not None
    assert (dead.state, dead.detail) == (InboxState.DEAD_LETTERED, "unreadable payload")
    assert again == incident
    assert [(i.kind, i.ref) for i in store.incidents(open_only=False)] == [
        ("inbox_dead_letter", event_id)
    ]


def test_depths_count_every_state_and_the_open_incidents(store: SyncStore) -> None:
    received(store, 1, 2, 3)
    store.claim_inbox("w1", now=T0, lease=LEASE, limit=2)
    store.finish_inbox("crm:evt-1", InboxState.APPLIED, detail=None, effects=[
        effect("crm:evt-1", 1), effect("crm:evt-1", 2)
    ], now=T0)  # fmt: skip
    store.dead_letter_inbox("crm:evt-2", reason="poison", now=T0)
    store.claim_outbox("w1", now=T0, lease=LEASE, limit=5)

    depths = store.depths()

    assert dict(depths.inbox) == {
        "pending": 1,
        "claimed": 0,
        "applied": 1,
        "deduplicated": 0,
        "rejected": 0,
        "escalated": 0,
        "dead_lettered": 1,
    }
    assert dict(depths.outbox) == {
        "pending": 1,
        "claimed": 1,
        "sent": 0,
        "cancelled": 0,
        "dead_lettered": 0,
    }
    assert depths.open_incidents == 1


# -- records and replicas --------------------------------------------------------------------
def test_the_engine_remembers_which_record_holds_which_person(store: SyncStore) -> None:
    store.remember_record("crm", "c1", person="tok_a", version="1")
    store.remember_record("crm", "c9", person="tok_a", version="3")
    store.remember_record("crm", "c1", person="tok_a", version="2")  # upsert keeps its place

    assert store.record_of("crm", "tok_a") == ("c1", "2")
    assert store.record_of("portal", "tok_a") is None
    assert store.person_of("crm", "c9") == "tok_a"
    assert store.person_of("crm", "c404") is None


def test_a_record_may_be_remembered_without_a_version(store: SyncStore) -> None:
    store.remember_record("ehr", "Patient/p1", person="tok_b", version=None)

    assert store.record_of("ehr", "tok_b") == ("Patient/p1", None)


def test_replica_versions_only_go_up(store: SyncStore) -> None:
    store.set_replica("crm", "tok_a", "stage", 3)
    store.set_replica("crm", "tok_a", "stage", 2)
    store.set_replica("crm", "tok_a", "email", 1)

    assert store.replica("crm", "tok_a", "stage") == 3
    assert store.replica("crm", "tok_a", "email") == 1
    assert store.replica("portal", "tok_a", "stage") is None


# -- broken input -----------------------------------------------------------------------------
UNKNOWN_CALLS: list[tuple[str, Callable[[SyncStore], object]]] = [
    ("finish", lambda s: s.finish_inbox("x:1", InboxState.APPLIED, detail=None, now=T0)),
    ("release", lambda s: s.release_inbox("x:1", retry_at=T0, detail="d")),
    ("dead_inbox", lambda s: s.dead_letter_inbox("x:1", reason="r", now=T0)),
    ("sent", lambda s: s.effect_sent("eff-x", status=200, now=T0)),
    ("retry", lambda s: s.effect_retry("eff-x", next_attempt_at=T0, status=None, detail="d")),
    ("dead_effect", lambda s: s.effect_dead("eff-x", status=None, reason="r", now=T0)),
    ("cancel", lambda s: s.effect_cancel("eff-x", reason="r", now=T0)),
    ("replace", lambda s: s.effect_replace(effect("x:1", 1))),
]


@pytest.mark.parametrize(("name", "call"), UNKNOWN_CALLS, ids=[n for n, _ in UNKNOWN_CALLS])
def test_a_transition_of_an_unknown_id_raises_naming_it(
    store: SyncStore, name: str, call: Callable[[SyncStore], object]
) -> None:
    with pytest.raises(StoreError, match=r"'(x:1|eff-x|eff-x:1-1)'"):
        call(store)


def test_a_claim_of_nothing_is_refused(store: SyncStore) -> None:
    with pytest.raises(ValueError, match="limit=0"):
        store.claim_inbox("w1", now=T0, lease=LEASE, limit=0)

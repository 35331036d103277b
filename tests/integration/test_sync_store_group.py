"""Several calls in one transaction: ``receive_many`` (the door's group commit) and ``together``
(a delivery's follow-ups), the same claims on every store; what SQLite does with its reader
connection and its nested transactions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from splitbrain.engine.adapters.sync_sqlite import SqliteSyncStore
from splitbrain.engine.service_layer.sync.model import InboxItem, InboxState, OutboxState
from splitbrain.engine.service_layer.sync.ports import SyncStore
from tests.integration.test_sync_store import LEASE, T0, effect, item, store

__all__ = ["store"]


def _settled(n: int) -> InboxItem:
    return replace(item(n), state=InboxState.DEDUPLICATED, detail="echo of the engine's write")


def test_receive_many_stores_each_item_in_its_own_state_and_says_which_were_new(
    store: SyncStore,
) -> None:
    store.receive(item(1))

    news = store.receive_many([item(1), item(2), _settled(3), item(2)])

    assert news == [False, True, True, False]
    states = {i.event_id: (i.state, i.deliveries) for i in store.inbox()}
    assert states == {
        "crm:evt-1": (InboxState.PENDING, 2),
        "crm:evt-2": (InboxState.PENDING, 2),
        "crm:evt-3": (InboxState.DEDUPLICATED, 1),
    }


def test_receive_many_refuses_a_settled_item_without_a_terminal_state(store: SyncStore) -> None:
    claimed = replace(item(1), state=InboxState.CLAIMED)

    with pytest.raises(ValueError, match="crm:evt-1"):
        store.receive_many([item(2), claimed])


def test_calls_made_together_are_kept_together(store: SyncStore) -> None:
    store.receive(item(1))
    [claimed] = store.claim_inbox("w", now=T0, lease=LEASE, limit=1)
    store.finish_inbox(claimed.event_id, InboxState.APPLIED, detail=None,
                       effects=[effect(claimed.event_id, 1)], now=T0)  # fmt: skip
    [sent] = store.claim_outbox("s", now=T0, lease=LEASE, limit=1)

    with store.together():
        store.effect_sent(sent.effect_id, status=200, now=T0)
        store.remember_record("crm", "c1", person="p1", version="2")
        store.set_replica("crm", "p1", "email", 3)
        seen_inside = (store.person_of("crm", "c1"), store.replica("crm", "p1", "email"))

    assert seen_inside == ("p1", 3)
    assert store.effect(sent.effect_id).state is OutboxState.SENT  # type: ignore[union-attr]
    assert store.record_of("crm", "p1") == ("c1", "2")


def test_a_failure_inside_together_keeps_none_of_its_calls_on_sqlite(tmp_path: Path) -> None:
    store = SqliteSyncStore.open(tmp_path / "engine.sqlite")
    try:
        with pytest.raises(RuntimeError), store.together():
            store.remember_record("crm", "c1", person="p1", version="2")
            store.set_cursor("crm:changes", "7")
            raise RuntimeError("the delivery's follow-up failed")

        assert store.person_of("crm", "c1") is None
        assert store.cursor("crm:changes") is None
    finally:
        store.close()


def test_sqlite_reads_see_another_threads_commit_through_the_reader(tmp_path: Path) -> None:
    import threading

    store = SqliteSyncStore.open(tmp_path / "engine.sqlite")
    try:
        writer = threading.Thread(target=lambda: store.set_replica("crm", "p1", "email", 4))
        writer.start()
        writer.join()

        assert store.replica("crm", "p1", "email") == 4
        assert sum(store.depths().inbox.values()) == 0
    finally:
        store.close()


def test_sqlite_receive_many_is_durable_for_a_second_connection(tmp_path: Path) -> None:
    path = tmp_path / "engine.sqlite"
    first = SqliteSyncStore.open(path)
    first.receive_many([item(n) for n in range(5)])
    second = SqliteSyncStore.open(path)
    try:
        claimed = second.claim_inbox("w", now=T0 + timedelta(seconds=1), lease=LEASE, limit=10)

        assert [i.event_id for i in claimed] == [f"crm:evt-{n}" for n in range(5)]
    finally:
        first.close()
        second.close()


def test_receive_many_of_nothing_stores_nothing(store: SyncStore) -> None:
    assert store.receive_many([]) == []
    assert store.inbox() == []

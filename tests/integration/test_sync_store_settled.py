"""``SyncStore.receive_settled``: an event its door settles on receipt (an echo of the engine's
own write) is stored once, already terminal, and never claimed; the same contract on every store.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from splitbrain.engine.service_layer.sync.model import InboxItem, InboxState
from splitbrain.engine.service_layer.sync.ports import SyncStore
from tests.integration.test_sync_store import store

__all__ = ["store"]

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ECHO = "echo of the engine's own write"


def _echo(n: int) -> InboxItem:
    return InboxItem(
        event_id=f"crm:Contact/c{n}@2",
        source="crm",
        channel="webhook",
        payload=b'{"actor": "engine"}',
        received_at=T0,
        state=InboxState.DEDUPLICATED,
        detail=ECHO,
    )


def test_a_settled_event_is_stored_terminal_and_never_claimed(store: SyncStore) -> None:
    new = store.receive_settled(_echo(1))

    claimed = store.claim_inbox("w1", now=T0, lease=timedelta(seconds=30), limit=10)

    stored = store.inbox_item("crm:Contact/c1@2")
    assert new is True
    assert claimed == []
    assert stored is not None
    assert (stored.state, stored.detail, stored.attempts) == (InboxState.DEDUPLICATED, ECHO, 0)
    depths = store.depths().inbox
    assert (depths.get(InboxState.DEDUPLICATED), depths.get(InboxState.PENDING, 0)) == (1, 0)


def test_a_redelivered_settled_event_is_only_counted(store: SyncStore) -> None:
    store.receive_settled(_echo(1))

    again = store.receive_settled(_echo(1))

    stored = store.inbox_item("crm:Contact/c1@2")
    assert again is False
    assert stored is not None
    assert (stored.state, stored.deliveries) == (InboxState.DEDUPLICATED, 2)


def test_a_settled_delivery_of_a_pending_event_leaves_it_to_the_worker(store: SyncStore) -> None:
    store.receive(replace(_echo(1), state=InboxState.PENDING, detail=None))

    store.receive_settled(_echo(1))

    claimed = store.claim_inbox("w1", now=T0, lease=timedelta(seconds=30), limit=10)
    assert [item.event_id for item in claimed] == ["crm:Contact/c1@2"]


def test_settling_on_receipt_with_an_open_state_is_refused(store: SyncStore) -> None:
    with pytest.raises(ValueError, match="terminal state"):
        store.receive_settled(replace(_echo(1), state=InboxState.PENDING))

    assert store.inbox_item("crm:Contact/c1@2") is None

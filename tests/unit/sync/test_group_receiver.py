"""The webhook door's group commit: handlers await one commit for every delivery waiting."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from splitbrain.engine.adapters.sync_memory import InMemorySyncStore
from splitbrain.engine.entrypoints.receiving import GroupReceiver
from splitbrain.engine.service_layer.errors import StoreBusy
from splitbrain.engine.service_layer.sync.model import InboxItem, InboxState

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _item(n: int) -> InboxItem:
    return InboxItem(f"crm:evt-{n}", "crm", "webhook", b"{}", received_at=T0)


class _GatedStore(InMemorySyncStore):
    """A memory store whose first group commit waits for a gate (a slow fsync), recording the
    size of every group it commits."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.groups: list[int] = []
        self.busy = False

    def receive_many(self, items: Sequence[InboxItem]) -> list[bool]:
        self.entered.set()
        self.gate.wait(5)
        if self.busy:
            raise StoreBusy("memory", "the test holds the lock", kind="locked")
        self.groups.append(len(items))
        return super().receive_many(items)


async def _receive_all(receiver: GroupReceiver, store: _GatedStore, n: int) -> list[bool]:
    first = asyncio.ensure_future(receiver.receive(_item(0)))
    await asyncio.to_thread(store.entered.wait, 5)  # the first commit is under way
    rest = [asyncio.ensure_future(receiver.receive(_item(k))) for k in range(1, n)]
    rest.append(asyncio.ensure_future(receiver.receive(_item(1))))  # a redelivery in the group
    await asyncio.sleep(0.05)
    store.gate.set()
    return [await first, *[await r for r in rest]]


def test_deliveries_waiting_behind_a_commit_share_the_next_one() -> None:
    store = _GatedStore()
    woken: list[int] = []
    receiver = GroupReceiver(store, stored=lambda: woken.append(1))
    receiver.start()
    try:
        news = asyncio.run(_receive_all(receiver, store, 4))
    finally:
        receiver.stop()

    assert news == [True, True, True, True, False]
    assert store.groups == [1, 4]
    assert len(woken) == 2
    assert [i.state for i in store.inbox()] == [InboxState.PENDING] * 4


def test_a_failed_group_commit_fails_every_handler_of_the_group_and_keeps_none() -> None:
    store = _GatedStore()
    store.busy = True
    store.gate.set()
    receiver = GroupReceiver(store, stored=lambda: None)
    receiver.start()

    async def both() -> list[BaseException | bool]:
        calls = [receiver.receive(_item(1)), receiver.receive(_item(2))]
        return await asyncio.gather(*calls, return_exceptions=True)

    try:
        answers = asyncio.run(both())
    finally:
        receiver.stop()

    assert all(isinstance(a, StoreBusy) for a in answers)
    assert store.inbox() == []


def test_a_receiver_not_started_refuses_instead_of_leaving_the_handler_waiting() -> None:
    receiver = GroupReceiver(InMemorySyncStore(), stored=lambda: None)

    with pytest.raises(RuntimeError, match="start"):
        asyncio.run(receiver.receive(_item(1)))

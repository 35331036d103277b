"""Several deliveries under way per endpoint, strict order per record key, a bounded window."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from simulators._shared import (
    ConfigurationError,
    FaultInjector,
    FaultPlan,
    History,
    MemoryReceiver,
    RetryPolicy,
    SimClock,
    WebhookDispatcher,
    WebhookEndpoint,
)

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002)


class GatedReceiver(MemoryReceiver):
    """Holds each delivery of a gated body until its gate opens; counts deliveries under way."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        super().__init__(statuses or [])
        self.gates: dict[bytes, asyncio.Event] = {}
        self.under_way = 0
        self.most_under_way = 0
        self.finished: list[bytes] = []

    async def send(self, method: str, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.under_way += 1
        self.most_under_way = max(self.most_under_way, self.under_way)
        try:
            status = await super().send(method, url, body, headers)
            gate = self.gates.get(body)
            await (gate.wait() if gate is not None else asyncio.sleep(0.001))
            self.finished.append(body)
            return status
        finally:
            self.under_way -= 1


def _dispatcher(
    receiver: MemoryReceiver, *, window: int = 8, retry: RetryPolicy = FAST
) -> WebhookDispatcher:
    hooks = WebhookDispatcher(
        system="crm", transport=receiver, history=History(SimClock(), system="crm"),
        faults=FaultInjector(FaultPlan()), retry=retry, window=window,
    )  # fmt: skip
    hooks.register(WebhookEndpoint("engine", "http://engine.test/hooks"))
    return hooks


async def test_a_slow_delivery_holds_up_only_later_deliveries_of_its_own_key() -> None:
    receiver = GatedReceiver()
    receiver.gates[b"c1-first"] = asyncio.Event()
    hooks = _dispatcher(receiver)

    hooks.publish("Contact/c1", b"c1-first")
    hooks.publish("Contact/c1", b"c1-second")
    hooks.publish("Contact/c2", b"c2")
    await receiver.wait_for(2)
    while b"c2" not in receiver.finished:
        await asyncio.sleep(0.001)
    arrived_while_held = [r.body for r in receiver.received]
    receiver.gates[b"c1-first"].set()
    await hooks.drain()

    assert arrived_while_held == [b"c1-first", b"c2"]
    assert receiver.finished == [b"c2", b"c1-first", b"c1-second"]


async def test_a_retrying_delivery_blocks_only_later_deliveries_of_its_own_key() -> None:
    receiver = MemoryReceiver(statuses=[503])
    hooks = _dispatcher(receiver)

    hooks.publish("Contact/c1", b"c1-first")
    hooks.publish("Contact/c1", b"c1-second")
    hooks.publish("Contact/c2", b"c2")
    await hooks.drain()

    bodies = [r.body for r in receiver.received]
    assert bodies[:2] == [b"c1-first", b"c2"]
    assert bodies[2:] == [b"c1-first", b"c1-second"]


async def test_no_more_deliveries_than_the_window_are_under_way_at_once() -> None:
    receiver = GatedReceiver()
    hooks = _dispatcher(receiver, window=3)

    for n in range(12):
        hooks.publish(f"Contact/c{n}", f"{n}".encode())
    await hooks.drain()

    assert receiver.most_under_way == 3
    assert sorted(receiver.finished, key=int) == [f"{n}".encode() for n in range(12)]


async def test_a_window_of_one_delivers_every_key_in_publish_order() -> None:
    receiver = GatedReceiver(statuses=[503])
    hooks = _dispatcher(receiver, window=1)

    for n in range(4):
        hooks.publish(f"Contact/c{n}", f"{n}".encode())
    await hooks.drain()

    assert receiver.finished == [b"0", b"0", b"1", b"2", b"3"]
    assert receiver.most_under_way == 1


async def test_a_delivery_waiting_out_a_retry_still_counts_as_pending() -> None:
    receiver = MemoryReceiver(statuses=[503])
    hooks = _dispatcher(receiver, retry=RetryPolicy(max_attempts=2, base_delay=1.0, max_delay=1.0))

    hooks.publish("Contact/c1", b"x")
    await receiver.wait_for(1)
    await asyncio.sleep(0.01)
    between_attempts = hooks.pending()
    await hooks.drain()

    assert between_attempts == 1
    assert hooks.pending() == 0


async def test_deliveries_not_started_at_close_are_sent_after_it() -> None:
    receiver = GatedReceiver()
    receiver.gates[b"held"] = asyncio.Event()
    hooks = _dispatcher(receiver, window=1)

    hooks.publish("Contact/c1", b"held")
    hooks.publish("Contact/c2", b"queued")
    await receiver.wait_for(1)
    await hooks.aclose()
    hooks.publish("Contact/c3", b"later")
    await hooks.drain()

    assert receiver.finished == [b"queued", b"later"]
    assert hooks.pending() == 0


def test_a_window_below_one_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="window 0"):
        _dispatcher(MemoryReceiver(), window=0)

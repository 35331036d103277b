from __future__ import annotations

import asyncio
import hashlib
import hmac

import pytest

from simulators._shared import (
    FaultInjector,
    FaultPlan,
    FixedLatency,
    History,
    MemoryReceiver,
    RetryPolicy,
    SimClock,
    WebhookDispatcher,
    WebhookEndpoint,
    WebhookFault,
)

pytestmark = pytest.mark.anyio

FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002)


def _dispatcher(
    receiver: MemoryReceiver, *faults: WebhookFault, seed: int = 0
) -> tuple[WebhookDispatcher, History]:
    history = History(SimClock(), system="crm")
    injector = FaultInjector(FaultPlan(seed=seed, webhooks=faults))
    dispatcher = WebhookDispatcher(
        system="crm", transport=receiver, history=history, faults=injector, retry=FAST
    )
    dispatcher.register(WebhookEndpoint("engine", "http://engine.test/hooks"))
    return dispatcher, history


def _bodies(receiver: MemoryReceiver) -> list[bytes]:
    return [r.body for r in receiver.received]


async def test_events_arrive_in_publish_order_with_event_headers() -> None:
    receiver = MemoryReceiver()
    hooks, history = _dispatcher(receiver)

    ids = [hooks.publish(f"Contact/c{n}", f'{{"n": {n}}}'.encode()) for n in range(5)]
    await hooks.drain()

    assert _bodies(receiver) == [f'{{"n": {n}}}'.encode() for n in range(5)]
    first = receiver.received[0]
    assert (first.method, first.url) == ("POST", "http://engine.test/hooks")
    assert first.headers["X-Sim-Event-Id"] == ids[0]
    assert first.headers["X-Sim-Attempt"] == "1"
    notify = [r for r in history.records() if r["type"] == "ok"]
    assert [r["idempotency_key"] for r in notify] == ids
    assert {r["process"] for r in notify} == {"engine"}


async def test_a_failed_delivery_is_retried_until_it_succeeds() -> None:
    receiver = MemoryReceiver(statuses=[503, 500])
    hooks, history = _dispatcher(receiver)

    hooks.publish("Contact/c1", b"{}")
    await hooks.drain()

    assert [r.headers["X-Sim-Attempt"] for r in receiver.received] == ["1", "2", "3"]
    outcomes = [
        (r["type"], r["attempt"], r["outcome"]) for r in history.records() if r["type"] != "invoke"
    ]
    assert outcomes == [("fail", 1, "http_503"), ("fail", 2, "http_500"), ("ok", 3, "ok")]
    assert hooks.dead_letters == []


async def test_a_delivery_that_exhausts_its_retries_is_kept_as_a_dead_letter() -> None:
    receiver = MemoryReceiver(statuses=[500, 500, 500])
    hooks, _ = _dispatcher(receiver)

    hooks.publish("Contact/c1", b"{}")
    await hooks.drain()

    assert len(receiver.received) == 3
    assert [d.key for d in hooks.dead_letters] == ["Contact/c1"]


async def test_a_transport_error_counts_as_a_failed_attempt() -> None:
    class Refusing(MemoryReceiver):
        async def send(self, method: str, url: str, body: bytes, headers: object) -> int:
            raise ConnectionRefusedError(url)

    hooks, history = _dispatcher(Refusing())

    hooks.publish("Contact/c1", b"{}")
    await hooks.drain()

    failures = [r["outcome"] for r in history.records() if r["type"] == "fail"]
    assert failures == ["transport:ConnectionRefusedError"] * 3


async def test_a_dropped_webhook_never_arrives_and_is_recorded_as_failed() -> None:
    receiver = MemoryReceiver()
    hooks, history = _dispatcher(receiver, WebhookFault(kind="drop", times=1))

    hooks.publish("Contact/c1", b"1")
    hooks.publish("Contact/c2", b"2")
    await hooks.drain()

    assert _bodies(receiver) == [b"2"]
    assert [r["outcome"] for r in history.records() if r["type"] == "fail"] == ["fault:dropped"]


async def test_a_duplicated_webhook_arrives_twice_with_one_event_id() -> None:
    receiver = MemoryReceiver()
    hooks, _ = _dispatcher(receiver, WebhookFault(kind="duplicate", times=1))

    hooks.publish("Contact/c1", b"1")
    await hooks.drain()

    assert _bodies(receiver) == [b"1", b"1"]
    assert len({r.headers["X-Sim-Event-Id"] for r in receiver.received}) == 1


async def test_a_reordered_webhook_arrives_after_the_next_one() -> None:
    receiver = MemoryReceiver()
    hooks, _ = _dispatcher(receiver, WebhookFault(kind="reorder", times=1))

    for n in range(3):
        hooks.publish("Contact/c1", str(n).encode())
    await hooks.drain()

    assert _bodies(receiver) == [b"1", b"0", b"2"]


async def test_a_held_back_webhook_is_still_delivered_when_nothing_follows() -> None:
    receiver = MemoryReceiver()
    hooks, _ = _dispatcher(receiver, WebhookFault(kind="reorder", times=1))

    hooks.publish("Contact/c1", b"only")
    await hooks.drain()

    assert _bodies(receiver) == [b"only"]


async def test_a_delayed_webhook_is_overtaken_by_later_ones() -> None:
    receiver = MemoryReceiver()
    delay = WebhookFault(kind="delay", times=1, latency=FixedLatency(seconds=0.05))
    hooks, _ = _dispatcher(receiver, delay)

    hooks.publish("Contact/c1", b"late")
    hooks.publish("Contact/c1", b"on-time")
    await receiver.wait_for(1)
    early = _bodies(receiver)
    await hooks.drain()

    assert early == [b"on-time"]
    assert _bodies(receiver) == [b"on-time", b"late"]


async def test_a_secret_signs_the_body_and_endpoint_headers_are_sent() -> None:
    receiver = MemoryReceiver()
    hooks, _ = _dispatcher(receiver)
    hooks.register(WebhookEndpoint("signed", "http://x.test/h", {"X-Tenant": "t1"}, "s3cret"))

    hooks.publish("Contact/c1", b'{"a":1}', endpoints=["signed"], method="PUT", path="Contact/c1")
    await hooks.drain()

    (received,) = receiver.received
    expected = hmac.new(b"s3cret", b'{"a":1}', hashlib.sha256).hexdigest()
    assert received.headers["X-Sim-Signature"] == f"sha256={expected}"
    assert received.headers["X-Tenant"] == "t1"
    assert (received.method, received.url) == ("PUT", "http://x.test/h/Contact/c1")


async def test_pending_counts_queued_deliveries_until_drained() -> None:
    receiver = MemoryReceiver()
    hooks, _ = _dispatcher(receiver)

    hooks.publish("Contact/c1", b"queued")
    assert hooks.pending() == 1
    await hooks.drain()

    assert _bodies(receiver) == [b"queued"]
    assert hooks.pending() == 0


async def test_reset_forgets_endpoints_so_later_events_go_nowhere() -> None:
    receiver = MemoryReceiver()
    hooks, _ = _dispatcher(receiver)

    hooks.reset()
    hooks.publish("Contact/c1", b"x")
    await hooks.drain()

    assert receiver.received == []
    assert hooks.endpoints() == []


async def test_a_delivery_cut_off_by_unregistering_completes_its_operation_as_unknown() -> None:
    class Hanging(MemoryReceiver):
        async def send(self, method: str, url: str, body: bytes, headers: object) -> int:
            await asyncio.Event().wait()  # the receiver never answers
            return 200

    hooks, history = _dispatcher(Hanging())
    hooks.publish("Contact/c1", b"{}")
    for _ in range(100):
        if history.open_operations():
            break
        await asyncio.sleep(0.001)
    assert history.open_operations(), "the delivery never started"

    hooks.unregister("engine")
    for _ in range(100):
        if not history.open_operations():
            break
        await asyncio.sleep(0.001)

    assert history.open_operations() == []  # nothing left for a quiescence wait to hang on
    (completion,) = [r for r in history.records() if r["type"] != "invoke"]
    assert (completion["type"], completion["outcome"]) == ("info", "cancelled")

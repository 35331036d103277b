"""Outbound webhooks: registered endpoints, ordered deliveries, retries, injected faults.

Each endpoint has its own lane (``webhook_lanes``): deliveries are admitted in publish order and
up to ``window`` of them (of distinct record keys) are under way at once. Per record key the
order is strict: a delivery is retried (capped exponential backoff with full jitter) before the
next one of its key goes, while other keys go on, so order per record holds unless a fault
breaks it on purpose (``reorder``, ``delay``); ``window=1`` is one delivery at a time in publish
order. Every attempt is an operation in the history (f ``notify``, process = the endpoint's
name, idempotency key = the event id)::

    receiver = MemoryReceiver()
    hooks = WebhookDispatcher(system="crm", transport=receiver, history=h, faults=f)
    hooks.register(WebhookEndpoint("engine", "http://engine.local/hooks/crm"))
    hooks.publish("Contact/c1", b'{"type": "contact.updated"}')
    await hooks.drain()
    receiver.received[0].json()

Transports live in ``transports.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from simulators._shared.errors import ConfigurationError
from simulators._shared.faults import FaultInjector
from simulators._shared.history import History, OpContext
from simulators._shared.transports import WebhookTransport
from simulators._shared.webhook_lanes import DEFAULT_WINDOW, Lane


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    """A receiver: ``headers`` are sent verbatim; ``secret`` signs bodies (X-Sim-Signature)."""

    name: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event bound for one endpoint (``path`` is appended to the endpoint's URL)."""

    event_id: str
    endpoint: WebhookEndpoint
    key: str
    body: bytes
    content_type: str
    method: str = "POST"
    path: str = ""

    @property
    def url(self) -> str:
        return self.endpoint.url.rstrip("/") + "/" + self.path if self.path else self.endpoint.url


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.05
    max_delay: float = 2.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(max_delay, base * 2**(attempt-1))]."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


class WebhookDispatcher:
    """Queues events per endpoint and delivers them with retries and faults.

    ``window``: deliveries (of distinct record keys) under way at once per endpoint; it applies
    to endpoints registered after it is set.
    """

    def __init__(
        self,
        *,
        system: str,
        transport: WebhookTransport,
        history: History,
        faults: FaultInjector,
        retry: RetryPolicy | None = None,
        seed: int = 0,
        window: int = DEFAULT_WINDOW,
    ) -> None:
        self._system = system
        self.transport = transport
        self._history = history
        self._faults = faults
        self._retry = retry or RetryPolicy()
        self._rng = random.Random(f"{seed}:webhooks")
        self._ids = itertools.count(1)
        self.window = window
        self._endpoints: dict[str, WebhookEndpoint] = {}
        self._lanes: dict[str, Lane] = {}
        self._held: dict[str, Delivery] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.dead_letters: list[Delivery] = []

    def register(self, endpoint: WebhookEndpoint) -> None:
        if endpoint.name in self._endpoints:
            raise ConfigurationError(f"webhook endpoint {endpoint.name!r} is already registered")
        self._endpoints[endpoint.name] = endpoint
        self._lanes[endpoint.name] = Lane(endpoint.name, self.window)

    def unregister(self, name: str) -> None:
        self._endpoints.pop(name, None)
        lane = self._lanes.pop(name, None)
        if lane is not None:
            lane.stop()
        self._held.pop(name, None)

    def endpoints(self) -> list[WebhookEndpoint]:
        return list(self._endpoints.values())

    def publish(
        self,
        key: str,
        body: bytes,
        *,
        content_type: str = "application/json",
        endpoints: Iterable[str] | None = None,
        method: str = "POST",
        path: str = "",
    ) -> str:
        """Queue ``body`` for every endpoint (or the named ones); returns the event id.

        ``method`` and ``path`` (appended to each endpoint URL) default to a POST to the URL.
        """
        event_id = f"{self._system}-evt-{next(self._ids)}"
        names = list(self._endpoints) if endpoints is None else list(endpoints)
        for name in names:
            endpoint = self._endpoints.get(name)
            if endpoint is not None:
                delivery = Delivery(event_id, endpoint, key, body, content_type, method, path)
                self._lanes[name].put(delivery)
                self._ensure_worker(name)
        return event_id

    def pending(self) -> int:
        """Deliveries not finished: queued, waiting behind their key, under way (between
        retries too), held back or delayed."""
        unfinished = sum(lane.unfinished() for lane in self._lanes.values())
        return unfinished + len(self._held) + sum(not t.done() for t in self._tasks)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until every queued, held, delayed and retried delivery has finished."""
        async with asyncio.timeout(timeout):
            while True:
                for name in list(self._lanes):
                    self._ensure_worker(name)
                await asyncio.gather(*(lane.inbox.join() for lane in list(self._lanes.values())))
                for name in list(self._held):
                    self._spawn(self._deliver(self._held.pop(name)))
                if self._tasks:
                    await asyncio.gather(*list(self._tasks), return_exceptions=True)
                    continue
                if not self._held and not any(lane.unfinished() for lane in self._lanes.values()):
                    return

    async def aclose(self) -> None:
        """Cancel every delivery under way; those not started yet stay queued (a later
        ``publish`` or ``drain`` on a running loop sends them)."""
        stopped = [task for lane in self._lanes.values() for task in lane.stop()]
        for task in self._tasks:
            task.cancel()
        for task in [*stopped, *self._tasks]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._lanes = {name: lane.successor() for name, lane in self._lanes.items()}
        self._tasks.clear()

    def reset(self) -> None:
        """Forget endpoints, queues and dead letters (the admin reset)."""
        for name in list(self._endpoints):
            self.unregister(name)
        self.dead_letters.clear()

    def _ensure_worker(self, name: str) -> None:
        lane = self._lanes[name]
        if lane.worker is not None and not lane.worker.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: the next publish or drain starts the worker
        lane.worker = loop.create_task(lane.run(partial(self._route, name)))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _route(self, name: str, delivery: Delivery) -> None:
        decision = self._faults.decide_webhook(delivery.endpoint.name)
        if decision.drop:
            op = self._history.invoke(self._ctx(delivery, 1), "notify", delivery.key)
            self._history.fail(op, outcome="fault:dropped")
            return
        if decision.delay > 0:
            self._spawn(self._later(decision.delay, delivery, decision.duplicate))
            return
        if decision.reorder and name not in self._held:
            self._held[name] = delivery
            return
        await self._deliver(delivery, duplicate=decision.duplicate, lost_ack=decision.lost_ack)
        held = self._held.pop(name, None)
        if held is not None:
            await self._deliver(held)

    async def _later(self, delay: float, delivery: Delivery, duplicate: bool) -> None:
        await asyncio.sleep(delay)
        await self._deliver(delivery, duplicate=duplicate)

    async def _deliver(
        self, delivery: Delivery, *, duplicate: bool = False, lost_ack: bool = False
    ) -> None:
        for attempt in range(1, self._retry.max_attempts + 1):
            label = "fault:lost_ack" if lost_ack and attempt == 1 else "ok"
            if await self._attempt(delivery, attempt, label) and label == "ok":
                if duplicate:
                    await self._attempt(delivery, attempt, "duplicate")
                return
            if attempt < self._retry.max_attempts:
                await asyncio.sleep(self._retry.backoff(attempt, self._rng))
        self.dead_letters.append(delivery)

    async def _attempt(self, delivery: Delivery, attempt: int, label: str) -> bool:
        op = self._history.invoke(self._ctx(delivery, attempt), "notify", delivery.key)
        try:
            status = await self.transport.send(
                delivery.method, delivery.url, delivery.body, self._headers(delivery, attempt)
            )
        except asyncio.CancelledError:  # unregistered or stopped mid-send: it may have arrived
            self._history.info(op, outcome="cancelled")
            raise
        except Exception as exc:  # a receiver's failure must never stop the dispatcher
            self._history.fail(op, outcome=f"transport:{type(exc).__name__}")
            return False
        if 200 <= status < 300 and label == "fault:lost_ack":
            self._history.info(op, outcome=label)  # received, but the sender never learns it
            return True
        if 200 <= status < 300:
            self._history.ok(op, outcome=label)
            return True
        self._history.fail(op, outcome=f"http_{status}")
        return False

    def _ctx(self, delivery: Delivery, attempt: int) -> OpContext:
        return OpContext(delivery.endpoint.name, delivery.event_id, attempt)

    def _headers(self, delivery: Delivery, attempt: int) -> dict[str, str]:
        headers = {
            "Content-Type": delivery.content_type,
            "X-Sim-Event-Id": delivery.event_id,
            "X-Sim-Attempt": str(attempt),
            **delivery.endpoint.headers,
        }
        if delivery.endpoint.secret is not None:
            digest = hmac.new(delivery.endpoint.secret.encode(), delivery.body, hashlib.sha256)
            headers["X-Sim-Signature"] = "sha256=" + digest.hexdigest()
        return headers

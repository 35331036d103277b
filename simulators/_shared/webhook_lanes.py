"""One endpoint's deliveries: publish order in, a bounded window out, strict order per record key.

A lane admits deliveries in publish order. From its admission until it has finished (delivered,
dead-lettered, dropped, held back or handed to a delay), a delivery keeps its record ``key``
busy: a later delivery of that key waits behind it, and the task that finished one delivery of
a key goes on with the next one of the same key. Up to ``window`` keys are under way at once, so
a slow or retrying delivery holds up only the later deliveries of its own key::

    lane = Lane("engine", window=8)
    lane.put(delivery)
    worker = asyncio.create_task(lane.run(route))   # route(delivery) makes every attempt
    await lane.inbox.join()                         # every admitted delivery has finished
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from simulators._shared.errors import ConfigurationError

if TYPE_CHECKING:
    from simulators._shared.webhooks import Delivery

log = logging.getLogger("simulators.webhooks")

Route = Callable[["Delivery"], Awaitable[None]]

DEFAULT_WINDOW = 1
"""Deliveries (of distinct record keys) under way at once per endpoint: 1 keeps publish order
across keys. A wider window (``SimulatorSettings.webhook_window``) delivers faster under load,
but across records arrival order then varies run to run, like a real system's webhooks: an
engine must not depend on it (tests that judge cross-record order keep 1)."""


class Lane:
    """The deliveries bound for one endpoint and the tasks delivering them."""

    def __init__(self, endpoint: str, window: int = DEFAULT_WINDOW) -> None:
        if window < 1:
            raise ConfigurationError(
                f"webhook window {window} for endpoint {endpoint!r} is below 1; "
                "give at least 1 (1 = one delivery at a time, in publish order)"
            )
        self.endpoint = endpoint
        self.inbox: asyncio.Queue[Delivery] = asyncio.Queue()
        """Published, not yet admitted; ``join()`` returns once every delivery has finished."""
        self.worker: asyncio.Task[None] | None = None
        self._window = window
        self._slots = asyncio.Semaphore(window)
        self._behind: dict[str, deque[Delivery]] = {}
        self._admitting: Delivery | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._unfinished = 0

    def put(self, delivery: Delivery) -> None:
        self.inbox.put_nowait(delivery)
        self._unfinished += 1

    def unfinished(self) -> int:
        """Deliveries published and not finished: queued, waiting behind their key, under way."""
        return self._unfinished

    async def run(self, route: Route) -> None:
        """Admit deliveries in publish order, for as long as the lane runs (its ``worker``)."""
        while True:
            delivery = await self.inbox.get()
            behind = self._behind.get(delivery.key)
            if behind is not None:  # the key is busy: strictly after the delivery under way
                behind.append(delivery)
                continue
            self._behind[delivery.key] = deque()
            self._admitting = delivery
            await self._slots.acquire()
            self._admitting = None
            task = asyncio.get_running_loop().create_task(self._key(delivery, route))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _key(self, delivery: Delivery, route: Route) -> None:
        """Deliver ``delivery``, then each delivery that queued up behind its key, in order."""
        try:
            while True:
                try:
                    await route(delivery)
                except Exception:  # a bug must not wedge the key: log it, go on with the next
                    log.exception(
                        "webhook %s to %r failed outside its attempts",
                        delivery.event_id, self.endpoint,
                    )  # fmt: skip
                finally:
                    self._unfinished -= 1
                    self.inbox.task_done()
                behind = self._behind[delivery.key]
                if not behind:
                    del self._behind[delivery.key]
                    return
                delivery = behind.popleft()
        finally:
            self._slots.release()

    def stop(self) -> list[asyncio.Task[None]]:
        """Cancel the worker and every delivery under way; the tasks, to be awaited."""
        tasks = [*self._tasks, *([self.worker] if self.worker is not None else [])]
        for task in tasks:
            task.cancel()
        self.worker = None
        return tasks

    def successor(self) -> Lane:
        """A fresh lane (after ``stop``) holding the deliveries this one had not started: the
        queued ones and those waiting behind their key, in publish order per key."""
        fresh = Lane(self.endpoint, self._window)
        if self._admitting is not None:  # admitted, waiting for a slot: first of its key
            fresh.put(self._admitting)
        for behind in self._behind.values():
            for delivery in behind:
                fresh.put(delivery)
        while not self.inbox.empty():
            fresh.put(self.inbox.get_nowait())
        return fresh

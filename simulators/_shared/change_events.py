"""Change events: one JSON webhook per create, update and delete, carrying the record version.

Routes publish from the event loop; the campaign schedule may run from whatever thread moved
the simulated clock, so a publish from another thread is handed to the loop the simulator
serves on (the webhook queues are asyncio objects, not thread-safe)::

    events = ChangeEvents(runtime)
    events.changed("Contact", "updated", record, changed=["phone"], actor="engine")

Every event is also kept in a change feed (``GET /changes?since=N``, ``change_feed.router``):
numbered in publish order, the newest ``retain`` of them, so a receiver that missed a webhook
(dropped, its server down) can read what it missed from where it last read, as with a real
CRM's change-data-capture stream. A dropped webhook is still in the feed.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI

from simulators._shared.runtime import Runtime

__all__ = ["ChangeEvents", "bind_events"]


class ChangeEvents:
    def __init__(self, runtime: Runtime, *, retain: int = 100_000) -> None:
        self._runtime = runtime
        self._loop: asyncio.AbstractEventLoop | None = None
        self._seq = itertools.count(1)
        self._feed: deque[tuple[int, bytes]] = deque(maxlen=retain)
        self._feed_lock = threading.Lock()

    def feed(self, since: int, limit: int) -> tuple[list[tuple[int, bytes]], int]:
        """Up to ``limit`` ``(seq, body)`` published after ``since``, oldest first, and the
        newest ``seq`` (0 before the first event)."""
        with self._feed_lock:
            head = self._feed[-1][0] if self._feed else 0
            start = max(0, since + 1 - self._feed[0][0]) if self._feed else 0
            found = list(itertools.islice(self._feed, start, start + limit))
        return found, head

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Deliver from ``loop`` (the loop serving the app)."""
        self._loop = loop

    def changed(
        self,
        kind: str,
        action: str,
        record: Mapping[str, Any],
        *,
        changed: Iterable[str],
        actor: str,
    ) -> None:
        """Publish ``{kind}.{action}`` (``contact.updated``) with the record and its version."""
        payload = {
            "type": f"{kind.lower()}.{action}",
            "resource": kind,
            "id": record["id"],
            "version": record["version"],
            "changed": sorted(changed),
            "actor": actor,
            "occurred_at": self._runtime.clock.now().isoformat(),
            "record": None if action == "deleted" else dict(record),
        }
        self.publish(f"{kind}/{record['id']}", payload)

    def publish(self, key: str, payload: Mapping[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        with self._feed_lock:
            self._feed.append((next(self._seq), body))
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None:
            self._loop = running
            self._runtime.webhooks.publish(key, body)
        elif self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._runtime.webhooks.publish, key, body)
        else:
            self._runtime.webhooks.publish(key, body)


def bind_events(events: ChangeEvents) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that delivers change events from the loop serving the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.bind(asyncio.get_running_loop())
        yield

    return lifespan

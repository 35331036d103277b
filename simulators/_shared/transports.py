"""How webhooks leave a simulator: real HTTP, or an in-process receiver for tests.

``HttpxTransport`` speaks real HTTP; to reach an in-process ASGI receiver (the engine's webhook
app), give it ``httpx.AsyncClient(transport=httpx.ASGITransport(receiver_app))``.
``MemoryReceiver`` keeps every delivery and answers scripted statuses::

    receiver = MemoryReceiver(statuses=[503])   # first delivery fails, then 200s
    await receiver.wait_for(2)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx


class WebhookTransport(Protocol):
    """Sends one request (POST, or PUT for a FHIR rest-hook with payload); returns the status.

    Raises on a transport failure (refused connection, timeout).
    """

    async def send(self, method: str, url: str, body: bytes, headers: Mapping[str, str]) -> int: ...


class HttpxTransport:
    """Real HTTP through an ``httpx.AsyncClient`` (yours, or one it creates and closes)."""

    def __init__(self, client: httpx.AsyncClient | None = None, *, timeout: float = 5.0) -> None:
        self._client = client
        self._owned = client is None
        self._timeout = timeout

    async def send(self, method: str, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        response = await self._client.request(method, url, content=body, headers=dict(headers))
        return response.status_code

    async def aclose(self) -> None:
        if self._owned and self._client is not None:
            await self._client.aclose()
            self._client = None


@dataclass(frozen=True, slots=True)
class ReceivedWebhook:
    method: str
    url: str
    body: bytes
    headers: Mapping[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class MemoryReceiver:
    """An in-process receiver: keeps what it got; answers ``statuses`` in turn, then 200."""

    def __init__(self, statuses: Sequence[int] = ()) -> None:
        self.received: list[ReceivedWebhook] = []
        self._statuses = list(statuses)
        self._arrived = asyncio.Condition()

    async def send(self, method: str, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.received.append(ReceivedWebhook(method, url, body, dict(headers)))
        async with self._arrived:
            self._arrived.notify_all()
        return self._statuses.pop(0) if self._statuses else 200

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedWebhook]:
        """Wait until ``count`` deliveries arrived (any status), then return them all."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.received) >= count)
        return list(self.received)

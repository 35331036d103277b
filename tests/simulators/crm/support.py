"""What the CRM and portal tests share: a world of settings, keys, a receiver and clients.

A ``Rig`` holds one ``SimulatorSettings`` (a SimClock, seeded keys, an in-memory webhook
receiver) and makes httpx clients for any client name, in-process or against a base URL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from simulators._shared import (
    KeyRing,
    MemoryReceiver,
    RetryPolicy,
    SimClock,
    SimulatorSettings,
    WebhookEndpoint,
)

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
ROLES = {
    "admin": "admin",
    "engine": "sync_engine",
    "coordinator": "care_coordinator",
    "growth": "growth_ops",
    "limited": "sync_engine",
}


def make_settings(**options: Any) -> SimulatorSettings:
    return SimulatorSettings(
        clock=SimClock(START),
        keys=KeyRing.generate(ROLES, seed=11),
        webhook_transport=MemoryReceiver(),
        webhook_retry=RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.005),
        seed=3,
        options=dict(options),
    )


@dataclass
class Rig:
    settings: SimulatorSettings
    app: FastAPI
    base_url: str = "http://sim"
    transport: httpx.AsyncBaseTransport | None = None
    _clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def clock(self) -> SimClock:
        assert isinstance(self.settings.clock, SimClock)
        return self.settings.clock

    @property
    def receiver(self) -> MemoryReceiver:
        assert isinstance(self.settings.webhook_transport, MemoryReceiver)
        return self.settings.webhook_transport

    def client(self, name: str = "engine") -> httpx.AsyncClient:
        key = self.settings.keys.by_name(name).key
        transport = self.transport or httpx.ASGITransport(self.app)
        client = httpx.AsyncClient(
            transport=transport,
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {key}"},
            timeout=10.0,
        )
        self._clients.append(client)
        return client

    def history(self) -> list[dict[str, Any]]:
        return list(self.app.state.runtime.history.records())

    def ops(self, f: str) -> list[dict[str, Any]]:
        return [r for r in self.history() if r["f"] == f]

    def subscribe(self, name: str = "engine-hook") -> None:
        self.app.state.runtime.webhooks.register(WebhookEndpoint(name, f"http://hooks/{name}"))

    async def events(self) -> list[dict[str, Any]]:
        await self.app.state.runtime.webhooks.drain(timeout=5)
        return [json.loads(w.body) for w in self.receiver.received]

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()


def completed_in_order(history: list[dict[str, Any]]) -> bool:
    """Every invoke completed exactly once, after it, and indexes run 0, 1, 2, ..."""
    if [r["index"] for r in history] != list(range(len(history))):
        return False
    invokes = {r["index"] for r in history if r["type"] == "invoke"}
    completions = [r for r in history if r["type"] != "invoke"]
    done = [r["op"] for r in completions]
    return (
        sorted(done) == sorted(invokes)
        and len(done) == len(set(done))
        and all(r["op"] < r["index"] for r in completions)
    )


AppFactory = Callable[[SimulatorSettings], FastAPI]

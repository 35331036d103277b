"""ADT peers: named MLLP receivers the EHR feeds its patient changes to (one ``AdtFeed`` each).

A sync engine registers itself over the public API (``simulators.ehr.routers.adt_peers``); from
then on every committed Patient change goes to it as A04/A08/A40, in order, with retries. Each
attempt is an operation in the EHR's history (f ``feed.A04``..., process ``feed:{name}``,
idempotency key = MSH-10, ``attempt`` counting resends); a ``lost_ack`` webhook fault whose
``endpoint`` glob matches the peer's name throws a good ACK away so the feed resends. One
control-id counter serves every peer, so a replaced peer never reuses an MSH-10::

    peers = AdtPeers(store, runtime)
    await peers.put("engine", PeerSpec("127.0.0.1", 2576, frozenset({"A04", "A08"})))
    await peers.drain()
    await peers.delete("engine")

An admin reset forgets every peer, as it forgets webhook receivers.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Final, Literal

from simulators._shared.runtime import Runtime
from simulators.ehr.hl7.feed import AdtFeed, FeedOutcome, FeedSettings
from simulators.ehr.hl7.receiver import ControlIds
from simulators.ehr.hl7.target import AdtTarget, ChangeEvent

PEER_EVENTS: Final = frozenset({"A01", "A04", "A08", "A40"})
"""What a peer may ask for. The feed announces a registration as A04 (the EHR has no
admissions), an update as A08, a merge as A40; A01 is accepted and never sent."""
DEFAULT_EVENTS: Final = frozenset({"A04", "A08", "A40"})
Put = Literal["created", "replaced", "unchanged"]


@dataclass(frozen=True, slots=True)
class PeerSpec:
    """Where one peer listens, what it wants, and how patiently the feed waits for its ACKs."""

    host: str
    port: int
    events: frozenset[str] = DEFAULT_EVENTS
    ack_timeout: float = 5.0
    max_attempts: int = 5

    def to_json(self) -> dict[str, object]:
        return {
            "host": self.host,
            "port": self.port,
            "events": sorted(self.events),
            "ack_timeout": self.ack_timeout,
            "max_attempts": self.max_attempts,
        }


class AdtPeers:
    """The registered peers of one EHR, each fed by its own ``AdtFeed`` in the serving loop."""

    def __init__(self, store: AdtTarget, runtime: Runtime, *, reset_hook: bool = True) -> None:
        self._runtime = runtime
        self._specs: dict[str, PeerSpec] = {}
        self._feeds: dict[str, AdtFeed] = {}
        self._control_ids = ControlIds(lead="F")
        self._stopping: set[asyncio.Task[None]] = set()
        store.on_change(self._notify)
        on_reset = getattr(store, "on_reset", None)
        if reset_hook and callable(on_reset):
            on_reset(self.forget_all)

    def specs(self) -> dict[str, PeerSpec]:
        return dict(self._specs)

    def feed(self, name: str) -> AdtFeed | None:
        return self._feeds.get(name)

    def outcomes(self, name: str) -> list[FeedOutcome]:
        feed = self._feeds.get(name)
        return list(feed.outcomes) if feed is not None else []

    async def put(self, name: str, spec: PeerSpec) -> Put:
        """Register ``name`` (or replace it: changes queued for the old feed are dropped)."""
        current = self._specs.get(name)
        if current == spec:
            return "unchanged"
        if current is not None:
            await self._stop(name)
        feed = AdtFeed(
            FeedSettings(spec.host, spec.port, ack_timeout=spec.ack_timeout,
                         max_attempts=spec.max_attempts, events=spec.events),
            history=self._runtime.history, clock=self._runtime.clock,
            rng=random.Random(f"{self._runtime.settings.seed}:adt-peer:{name}"),
            control_ids=self._control_ids, process=f"feed:{name}",
            faults=self._runtime.faults, peer=name,
        )  # fmt: skip
        await feed.start()
        self._specs[name], self._feeds[name] = spec, feed
        return "created" if current is None else "replaced"

    async def delete(self, name: str) -> bool:
        """Forget ``name`` and its queued changes; False when no such peer is registered."""
        if name not in self._specs:
            return False
        await self._stop(name)
        return True

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until every change queued so far has an outcome at every peer."""
        async with asyncio.timeout(timeout):
            for feed in list(self._feeds.values()):
                await feed.drain()

    def pending(self) -> int:
        """Changes queued or being delivered, over every peer."""
        return sum(feed.pending() for feed in self._feeds.values())

    def forget_all(self) -> None:
        """Drop every peer now (the admin reset); their feeds stop in the background."""
        for name in list(self._specs):
            self._specs.pop(name)
            feed = self._feeds.pop(name)
            try:
                task = asyncio.get_running_loop().create_task(feed.stop())
            except RuntimeError:  # no loop: nothing runs, nothing to stop
                continue
            self._stopping.add(task)
            task.add_done_callback(self._stopping.discard)

    async def aclose(self) -> None:
        for name in list(self._specs):
            await self._stop(name)
        if self._stopping:
            await asyncio.gather(*list(self._stopping), return_exceptions=True)

    async def _stop(self, name: str) -> None:
        self._specs.pop(name, None)
        feed = self._feeds.pop(name, None)
        if feed is not None:
            await feed.stop()

    def _notify(self, change: ChangeEvent) -> None:
        if change.resource_type != "Patient":
            return
        for feed in tuple(self._feeds.values()):
            feed.notify(change)

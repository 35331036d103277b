"""What the personas of one Locust process share: the contract, the tracker, the people.

The locustfile builds it when the test starts (``install``); users read it with ``current()``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from load.errors import RunnerError
from load.marks import SyncTracker
from load.people import Cohort, People
from splitbrain.harness.sut.contract import Contract

__all__ = ["LoadContext", "current", "install", "uninstall"]


@dataclass
class LoadContext:
    contract: Contract
    tracker: SyncTracker
    people: People
    cohort: Cohort = field(default_factory=Cohort)
    draining: bool = False
    """Set when the run is ending: users start no new changes, the tracker drains."""
    in_flight: int = 0
    """Requests sent and not yet answered (the drain waits for them)."""
    ran: dict[str, int] = field(default_factory=dict)
    """Tasks run per persona class (the smoke test asserts every persona ran)."""

    def key(self, client: str) -> str:
        found = self.contract.keys.get(client)
        if found is None:
            raise RunnerError(
                f"the contract has no key for client {client!r}; add it to the world's key "
                "ring (load.clients.CLIENT_ROLES) or to the staging contract's keys"
            )
        return found.key

    def headers(self, client: str) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {self.key(client)}"}

    def count(self, persona: str) -> None:
        self.ran[persona] = self.ran.get(persona, 0) + 1

    @staticmethod
    def now() -> float:
        return time.perf_counter()


_CURRENT: list[LoadContext] = []


def install(context: LoadContext) -> None:
    _CURRENT[:] = [context]


def uninstall() -> None:
    _CURRENT.clear()


def current() -> LoadContext:
    if not _CURRENT:
        raise RunnerError("no load context: the locustfile installs one when the test starts")
    return _CURRENT[0]


def snapshot() -> dict[str, Any]:
    """Per-process figures for the report (empty before a test started)."""
    if not _CURRENT:
        return {}
    ctx = _CURRENT[0]
    return {"ran": dict(ctx.ran), "seen": dict(ctx.tracker.seen)}

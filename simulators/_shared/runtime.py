"""Settings shared by the simulators, and the per-simulator runtime built from them.

One ``SimulatorSettings`` may serve all three simulators (same clock, same key ring); each
``create_app`` builds its own ``Runtime`` (its own history, fault injector, webhooks)::

    settings = SimulatorSettings(clock=SimClock(), seed=7)
    ehr_app, crm_app = ehr.create_app(settings), crm.create_app(settings)
    admin_key = settings.keys.admin().key
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulators._shared.auth import ADMIN_ROLE, KeyRing
from simulators._shared.clock import Clock, SimClock
from simulators._shared.faults import FaultInjector, FaultPlan
from simulators._shared.history import History
from simulators._shared.http1 import Http1Transport
from simulators._shared.transports import WebhookTransport
from simulators._shared.webhook_lanes import DEFAULT_WINDOW
from simulators._shared.webhooks import RetryPolicy, WebhookDispatcher


def default_keys() -> KeyRing:
    """Random keys for an ``admin`` client (role admin) and an ``engine`` (role sync_engine)."""
    return KeyRing.generate({"admin": ADMIN_ROLE, "engine": "sync_engine"})


@dataclass
class SimulatorSettings:
    """Everything a simulator needs from outside; all of it injectable for tests.

    ``history=False`` switches recording off (benchmarks). ``webhook_transport=None`` means real
    HTTP. ``options`` carries simulator-specific switches (documented by each simulator).
    """

    clock: Clock = field(default_factory=SimClock)
    keys: KeyRing = field(default_factory=default_keys)
    faults: FaultPlan = field(default_factory=FaultPlan)
    history: bool = True
    seed: int = 0
    webhook_transport: WebhookTransport | None = None
    webhook_retry: RetryPolicy = field(default_factory=RetryPolicy)
    webhook_window: int = DEFAULT_WINDOW
    """Webhook deliveries (of distinct record keys) under way at once per endpoint."""
    options: dict[str, Any] = field(default_factory=dict)


class Runtime:
    """The shared machinery of one running simulator (``app.state.runtime``)."""

    def __init__(self, system: str, settings: SimulatorSettings) -> None:
        self.system = system
        self.settings = settings
        self.clock = settings.clock
        self.keys = settings.keys
        self.history = History(settings.clock, system=system, enabled=settings.history)
        self.faults = FaultInjector(settings.faults)
        self.webhooks = WebhookDispatcher(
            system=system,
            transport=settings.webhook_transport or Http1Transport(),
            history=self.history,
            faults=self.faults,
            retry=settings.webhook_retry,
            window=settings.webhook_window,
            seed=settings.seed,
        )
        self.ground_truth: Any = None

    def reset(self) -> None:
        """Forget history, faults, webhooks and ground truth (the simulator resets its data)."""
        self.history.clear()
        self.faults.set_plan(self.settings.faults)
        self.webhooks.reset()
        self.ground_truth = None

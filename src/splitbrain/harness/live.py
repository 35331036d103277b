"""The world and an engine service on loopback ports, in one background event loop.

What the end-to-end tests stand on (and, next, the demo's simulated day and the SUT adapters)::

    with LiveRun.start(World(SimulatorSettings(keys=keys)), matrix=default_matrix()) as run:
        run.call("portal", "POST", "/accounts", client="pat", json={...})
        run.quiesce()                       # nothing waiting in the world or the engine
        run.histories()                     # {"ehr": [...], "crm": [...], "portal": [...]}

The engine is the reference service (``bootstrap_service``) on its own port; it registers its
webhooks and FHIR Subscriptions with the simulators the way any engine would: over their public
APIs.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx
import orjson

from splitbrain.engine.adapters.registration import register_receivers
from splitbrain.engine.adapters.sync_targets import Endpoint
from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.harness.errors import WorldError
from splitbrain.harness.world import AppServer, Ports, World


@dataclass
class LiveRun:
    world: World
    service: EngineService
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    addresses: dict[str, str]
    engine_url: str
    _server: AppServer
    _clients: dict[tuple[str, str], httpx.Client] = field(default_factory=dict)

    @classmethod
    def start(
        cls, world: World, *, matrix: Path, store: str = "memory", host: str = "127.0.0.1"
    ) -> LiveRun:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="splitbrain-live", daemon=True)
        thread.start()
        keys = world.settings.keys
        asyncio.run_coroutine_threadsafe(
            world.start(host, Ports(ehr=0, crm=0, portal=0, mllp=0)), loop
        ).result(30)
        addresses = world.addresses()
        engine_key = keys.by_name("engine").key
        service = bootstrap_service(
            matrix=matrix,
            store=store,
            endpoints={s: Endpoint(addresses[s], engine_key) for s in ("ehr", "crm", "portal")},
            actor_roles={c.name: c.role for c in keys.clients()},
            fresh=True,
        )
        server = AppServer("engine", service.app(), host, 0)
        asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
        run = cls(world, service, loop, thread, addresses, server.url, server)
        run.register()
        service.start()
        return run

    # -- wiring -------------------------------------------------------------------------------
    def register(self) -> None:
        """Register the engine's receivers with each simulator, as the engine itself does."""
        engine_key = self.world.settings.keys.by_name("engine").key
        endpoints = {s: Endpoint(self.addresses[s], engine_key) for s in ("ehr", "crm", "portal")}
        register_receivers(endpoints, self.engine_url)

    # -- acting -------------------------------------------------------------------------------
    def client(self, system: str, name: str = "engine") -> httpx.Client:
        key = (system, name)
        if key not in self._clients:
            token = self.world.settings.keys.by_name(name).key
            self._clients[key] = httpx.Client(
                base_url=self.addresses[system], timeout=10.0,
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip
        return self._clients[key]

    def call(
        self, system: str, method: str, path: str, *, client: str = "engine", **kwargs: Any
    ) -> httpx.Response:
        return self.client(system, client).request(method, path, **kwargs)

    def quiesce(self, *, timeout: float = 20.0, settle: float = 0.05) -> None:
        """Wait until the simulators' webhook queues and the engine's queues are empty twice
        in a row ``settle`` apart (quiescence, DESIGN §9)."""
        deadline = time.monotonic() + timeout
        calm = 0
        while time.monotonic() < deadline:
            calm = calm + 1 if self._calm() else 0
            if calm >= 2:
                return
            time.sleep(settle)
        raise WorldError(f"the run did not quiesce within {timeout}s: {self.status()}")

    def _calm(self) -> bool:
        for system in ("ehr", "crm", "portal"):
            if self.world.runtime(system).webhooks.pending():
                return False
        return self.service.idle()

    def status(self) -> Mapping[str, Any]:
        depths = self.service.store.depths()
        return {"inbox": dict(depths.inbox), "outbox": dict(depths.outbox)}

    def histories(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for system in ("ehr", "crm", "portal"):
            text = self.world.runtime(system).history.export_jsonl()
            out[system] = [orjson.loads(line) for line in text.splitlines() if line.strip()]
        return out

    # -- stopping -----------------------------------------------------------------------------
    def stop(self) -> None:
        self.service.stop()  # no more deliveries while the servers go down
        for client in self._clients.values():
            client.close()
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._server.stop(), self.loop).result(15)
            asyncio.run_coroutine_threadsafe(self.world.stop(), self.loop).result(15)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        if not self.thread.is_alive():
            self.loop.close()
        self.service.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.stop()

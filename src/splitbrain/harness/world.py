"""The world: the EHR, CRM and portal simulators and the EHR's MLLP listener, one clock, one
key ring, in-process or served on ports (DESIGN §8, §10).

In-process (tests)::

    world = World()
    async with world.client("crm") as crm:            # httpx over ASGITransport
        await crm.post("/contacts", json={})

On ports, in the running asyncio loop (``splitbrain sim up`` does this)::

    world = World(SimulatorSettings(clock=SimClock()))
    world.seed_population(people=100, seed=7)
    async with world.served("127.0.0.1", Ports(ehr=0, crm=0, portal=0, mllp=0)):
        world.addresses()    # {"ehr": "http://127.0.0.1:41234/fhir", ..., "mllp": "mllp://..."}

Each simulator runs under its own ``uvicorn.Server`` in one loop; the world, not uvicorn, owns
SIGINT/SIGTERM (``serve_until``), so one Ctrl-C stops every server cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from simulators import crm, ehr, portal
from simulators._shared import Runtime, SimulatorSettings
from simulators.ehr.hl7.server import MllpServer, start_mllp_server
from simulators.population import PopulationConfig
from splitbrain.harness.app_server import AppServer, serving, url_host
from splitbrain.harness.errors import PortInUseError, WorldError
from splitbrain.harness.population_seed import population_seeds

__all__ = ["SYSTEMS", "AppServer", "Ports", "World", "serving"]

SYSTEMS: tuple[str, ...] = ("ehr", "crm", "portal")
_BASE_PATH = {"ehr": "/fhir", "crm": "", "portal": ""}


@dataclass(frozen=True, slots=True)
class Ports:
    """Where each part listens; 0 means any free port."""

    ehr: int = 8001
    crm: int = 8002
    portal: int = 8003
    mllp: int = 2575

    def of(self, system: str) -> int:
        return int(getattr(self, system))


class World:
    """Three simulators sharing ``settings`` (one clock, one key ring)."""

    def __init__(self, settings: SimulatorSettings | None = None) -> None:
        self.settings = settings or SimulatorSettings()
        self.apps: dict[str, FastAPI] = {
            "ehr": ehr.create_app(self.settings),
            "crm": crm.create_app(self.settings),
            "portal": portal.create_app(self.settings),
        }
        self.host: str | None = None
        self._servers: dict[str, AppServer] = {}
        self._mllp: MllpServer | None = None

    def runtime(self, system: str) -> Runtime:
        runtime: Runtime = self.apps[system].state.runtime
        return runtime

    def client(self, system: str, name: str = "engine") -> httpx.AsyncClient:
        """An in-process client of ``system`` authenticated as client ``name``."""
        key = self.settings.keys.by_name(name).key
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(self.apps[system]),
            base_url=f"http://{system}{_BASE_PATH[system]}",
            headers={"Authorization": f"Bearer {key}"},
        )

    def seed_population(
        self, people: int, seed: int, config: PopulationConfig | None = None
    ) -> dict[str, Any]:
        """Seed every simulator from the synthetic population; the ground truth goes to each
        simulator's ``/_admin/ground-truth``. Returns what each simulator reported."""
        seeds = population_seeds(people, seed, config)
        process = self.settings.keys.admin().name
        truth = {"people": seeds.ground_truth, "seed": seed, "size": people}
        report: dict[str, Any] = {}
        for system, records in (("ehr", seeds.ehr), ("crm", seeds.crm), ("portal", seeds.portal)):
            report[system] = dict(self.apps[system].state.store.seed(records, process=process))
            self.runtime(system).ground_truth = truth
        return report

    # -- on ports ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", ports: Ports | None = None) -> None:
        """Listen on ``host``; returns once every server accepts connections."""
        if self._servers:
            raise WorldError("the world is already serving; stop() it before starting again")
        ports = ports or Ports()
        self.host = host
        try:
            for system in SYSTEMS:
                await self._start_http(system, host, ports.of(system))
            await self._start_mllp(host, ports.mllp)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop every server (in-flight requests finish) and the MLLP listener."""
        if self._mllp is not None:
            await self._mllp.close()
            self._mllp = None
        servers = list(self._servers.values())
        self._servers.clear()
        for server in servers:
            server.request_stop()
        for server in servers:
            await server.stop()

    @contextlib.asynccontextmanager
    async def served(
        self, host: str = "127.0.0.1", ports: Ports | None = None
    ) -> AsyncIterator[World]:
        await self.start(host, ports)
        try:
            yield self
        finally:
            await self.stop()

    async def serve_until_signal(self) -> int:
        """Wait for SIGINT or SIGTERM, then stop; returns the signal number."""
        loop = asyncio.get_running_loop()
        received: asyncio.Future[int] = loop.create_future()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, _resolve, received, int(sig))
        try:
            return await received
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await self.stop()

    def addresses(self) -> dict[str, str]:
        """Base URLs of the served simulators (the EHR's FHIR base) and the MLLP address."""
        if not self._servers or self._mllp is None or self.host is None:
            raise WorldError("the world is not serving; await start() first")
        found = {
            system: server.url + _BASE_PATH[system] for system, server in self._servers.items()
        }
        found["mllp"] = f"mllp://{url_host(self.host)}:{self._mllp.port}"
        return found

    async def _start_http(self, system: str, host: str, port: int) -> None:
        server = AppServer(system, self.apps[system], host, port)
        await server.start()
        self._servers[system] = server

    async def _start_mllp(self, host: str, port: int) -> None:
        runtime = self.runtime("ehr")
        try:
            self._mllp = await start_mllp_server(
                self.apps["ehr"].state.store,
                host,
                port,
                history=runtime.history,
                clock=runtime.clock,
            )
        except OSError as exc:
            raise PortInUseError(
                f"the MLLP listener could not listen on {host}:{port} ({exc.strerror}); free the "
                "port or pass another (--mllp-port)"
            ) from exc


def _resolve(future: asyncio.Future[int], sig: int) -> None:
    if not future.done():
        future.set_result(sig)

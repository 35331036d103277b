"""The world on loopback ports and a system under test between its systems.

What the end-to-end tests, the features and the runner stand on::

    with LiveRun.start(World(SimulatorSettings(keys=keys)), matrix=default_matrix()) as run:
        run.call("portal", "POST", "/accounts", client="pat", json={...})
        run.quiesce()                       # nothing waiting in the world or the SUT
        run.histories()                     # {"ehr": [...], "crm": [...], "portal": [...]}

The world runs in one background event loop. The SUT (``sut=``, default ``reference``: the
reference engine service in this process, then ``run.service`` is it) joins through the SUT
contract (``splitbrain.harness.sut``, docs/sut-contract.md): it is handed the simulators'
addresses and keys, listens on the contract's port and registers its own webhooks and FHIR
Subscriptions over the simulators' public APIs, exactly as a team's engine does.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import httpx
import orjson

from splitbrain.engine.adapters.registration import register_receivers
from splitbrain.engine.adapters.sync_targets import Endpoint
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.harness.errors import WorldError
from splitbrain.harness.sut import ClientKey, Contract, HttpSut, ReferenceSut, Sut, parse_sut
from splitbrain.harness.sut.adapter import free_port
from splitbrain.harness.world import SYSTEMS, Ports, World

__all__ = ["QUIET_WINDOW", "LiveRun"]

QUIET_WINDOW = 0.5
"""Without an idle answer from the SUT, quiescence is this long with no new history operation."""


@dataclass
class LiveRun:
    world: World
    service: EngineService | None
    """The reference engine service when ``sut`` is ``reference``; None for other SUTs."""
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    addresses: dict[str, str]
    engine_url: str
    sut: Sut
    contract: Contract
    _workdir_owned: bool = False
    _clients: dict[tuple[str, str], httpx.Client] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        world: World,
        *,
        matrix: Path,
        sut: Sut | str = "reference",
        store: str = "memory",
        host: str = "127.0.0.1",
        ports: Ports | None = None,
        workdir: Path | None = None,
        client: str = "engine",
    ) -> LiveRun:
        """Serve ``world`` (any free ports unless ``ports``), write the contract into
        ``workdir`` (a fresh temporary directory, removed on stop, unless given) and start
        ``sut``. ``store`` is the reference engine's store when ``sut`` is a spec string."""
        the_sut = parse_sut(sut, store=store) if isinstance(sut, str) else sut
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="splitbrain-live", daemon=True)
        thread.start()
        where = ports or Ports(ehr=0, crm=0, portal=0, mllp=0)
        try:
            asyncio.run_coroutine_threadsafe(world.start(host, where), loop).result(30)
        except BaseException:
            _stop_loop(loop, thread)
            raise
        owned = workdir is None
        scratch = Path(tempfile.mkdtemp(prefix="splitbrain-sut-")) if workdir is None else workdir
        scratch.mkdir(parents=True, exist_ok=True)
        contract = _contract(world, the_sut, matrix, scratch.resolve(), host=host, client=client)
        contract.write()
        run = cls(world, None, loop, thread, world.addresses(), contract.sut_base, the_sut,
                  contract, owned)  # fmt: skip
        try:
            the_sut.start(contract)
        except BaseException:
            run.stop()
            raise
        if isinstance(the_sut, ReferenceSut):
            run.service = the_sut.service
        return run

    # -- wiring -------------------------------------------------------------------------------
    def register(self) -> None:
        """Register the SUT's receivers with each simulator again, as the engine itself does
        (for SUTs that register their own, this adds a second, identical registration)."""
        key = self.contract.key
        endpoints = {s: Endpoint(self.contract.base(s), key) for s in SYSTEMS}
        door = self.service.mllp if self.service is not None else None
        mllp = (self.contract.sut_host, door.port) if door is not None else None
        register_receivers(endpoints, self.engine_url, name=self.contract.client, mllp=mllp)

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

    def quiesce(
        self, *, timeout: float = 20.0, settle: float = 0.05, quiet: float = QUIET_WINDOW
    ) -> None:
        """Wait for quiescence (DESIGN §9, docs/sut-contract.md): no simulator webhook pending
        or in flight and the SUT idle, twice in a row ``settle`` apart with no history operation
        recorded in between; when the SUT cannot say whether it is idle, nothing pending and no
        new history operation for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        calm = 0
        seen, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            pending = self._pending()
            idle = self.sut.idle()
            count, now = self._operations(), time.monotonic()
            moved = count != seen
            if moved or pending:
                seen, since = count, now
            if idle is None:
                if not pending and now - since >= quiet:
                    return
            else:
                calm = calm + 1 if idle and not pending and (calm == 0 or not moved) else 0
                if calm >= 2:
                    return
            time.sleep(settle)
        raise WorldError(
            f"the run did not quiesce within {timeout}s with SUT {self.sut.name}: "
            f"{self.status()}; look for a stuck delivery, or raise the timeout"
        )

    def _pending(self) -> int:
        """Webhooks queued or held, plus operations in flight (a delivery being made has left
        its queue but not yet completed its history operation), plus changes the EHR's ADT
        feeds have yet to deliver (one may be waiting out a backoff between attempts)."""
        peers = getattr(self.world.apps["ehr"].state, "adt_peers", None)
        return (peers.pending() if peers is not None else 0) + sum(
            self.world.runtime(s).webhooks.pending()
            + len(self.world.runtime(s).history.open_operations())
            for s in SYSTEMS
        )

    def _operations(self) -> int:
        return sum(len(self.world.runtime(s).history) for s in SYSTEMS)

    def status(self) -> Mapping[str, Any]:
        """What the world and the SUT still hold: the answer a quiescence timeout names."""
        peers = getattr(self.world.apps["ehr"].state, "adt_peers", None)
        found: dict[str, Any] = {
            "webhooks_pending": {s: self.world.runtime(s).webhooks.pending() for s in SYSTEMS},
            "operations_open": {s: self._open(s) for s in SYSTEMS},
            "adt_pending": peers.pending() if peers is not None else 0,
            "sut_idle": self.sut.idle(),
        }
        if self.service is not None:
            depths = self.service.store.depths()
            found |= {"inbox": dict(depths.inbox), "outbox": dict(depths.outbox)}
        return found

    def _open(self, system: str) -> list[str]:
        """The operations still open in ``system``'s history, as ``index f process`` (no
        values): a delivery that never completes is named by its receiver."""
        history = self.world.runtime(system).history
        records = {r["index"]: r for r in history.records()} if history.open_operations() else {}
        return [
            f"{i} {records[i]['f']} {records[i]['process']}" if i in records else str(i)
            for i in history.open_operations()
        ]

    def histories(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for system in SYSTEMS:
            text = self.world.runtime(system).history.export_jsonl()
            out[system] = [orjson.loads(line) for line in text.splitlines() if line.strip()]
        return out

    # -- stopping -----------------------------------------------------------------------------
    def stop(self) -> None:
        self.sut.stop()  # no more deliveries while the simulators go down
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self.world.stop(), self.loop).result(15)
        _stop_loop(self.loop, self.thread)
        if self._workdir_owned:
            shutil.rmtree(self.contract.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.stop()


def _stop_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    if loop.is_closed():
        return
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    if not thread.is_alive():
        loop.close()


def _contract(
    world: World, sut: Sut, matrix: Path, workdir: Path, *, host: str, client: str
) -> Contract:
    addresses = world.addresses()
    mllp = urlsplit(addresses["mllp"])
    keys = world.settings.keys
    engine = keys.by_name(client)
    mllp_port: int | None = None  # an already running SUT has its own (or none)
    if isinstance(sut, HttpSut):
        sut_host, sut_port, idle = sut.host, sut.port, sut.idle_path
    else:
        sut_host, sut_port, mllp_port = host, free_port(host), free_port(host)
        idle = getattr(sut, "idle_path", "/idle")
    return Contract(
        ehr_fhir_base=addresses["ehr"], mllp_host=mllp.hostname or host,
        mllp_port=int(mllp.port or 0), crm_base=addresses["crm"],
        portal_base=addresses["portal"], client=engine.name, key=engine.key, role=engine.role,
        keys={c.name: ClientKey(c.key, c.role) for c in keys.clients()},
        sut_host=sut_host, sut_port=sut_port, matrix=Path(matrix).resolve(), workdir=workdir,
        idle=idle, sut_mllp_port=mllp_port,
    )  # fmt: skip

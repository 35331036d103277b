"""``reference``: the reference engine service in this process, on the contract's SUT port.

It registers its own webhooks and FHIR Subscriptions with the simulators, as any engine must,
and opens its MLLP door (on the contract's ``sut_mllp_port``, else any free port) registered as
the EHR's ADT peer; merges it makes go to the EHR's MLLP listener as A40.
``service`` is the running ``EngineService`` (tests read its store and metrics).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from splitbrain.engine.adapters.registration import register_receivers
from splitbrain.engine.adapters.sync_targets import Endpoint
from splitbrain.engine.bootstrap import bootstrap_service
from splitbrain.engine.entrypoints.service import EngineService
from splitbrain.harness.app_server import AppServer
from splitbrain.harness.sut.contract import Contract
from splitbrain.harness.sut.errors import SutError

__all__ = ["ReferenceSut"]


class ReferenceSut:
    name = "reference"

    def __init__(self, *, store: str = "memory") -> None:
        self.store = store
        self._service: EngineService | None = None
        self._server: AppServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def service(self) -> EngineService:
        if self._service is None:
            raise SutError("the reference engine is not running; start(contract) it first")
        return self._service

    def start(self, contract: Contract) -> None:
        endpoints = {s: Endpoint(contract.base(s), contract.key) for s in ("ehr", "crm", "portal")}
        service = bootstrap_service(
            matrix=contract.matrix, store=self.store, endpoints=endpoints,
            actor_roles={name: c.role for name, c in contract.keys.items()},
            engine_actors=frozenset({contract.client}), fresh=True,
            mllp=(contract.sut_host, contract.sut_mllp_port or 0),
            ehr_mllp=(contract.mllp_host, contract.mllp_port),
        )  # fmt: skip
        self._service = service
        loop = self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=loop.run_forever, name="splitbrain-sut", daemon=True)
        self._thread.start()
        server = AppServer("engine", service.app(), contract.sut_host, contract.sut_port)
        asyncio.run_coroutine_threadsafe(server.start(), loop).result(30)
        self._server = server
        door = None
        if service.mllp is not None:
            service.mllp.start()  # the EHR's feed connects as soon as the peer is registered
            door = (contract.sut_host, service.mllp.port)
        register_receivers(endpoints, contract.sut_base, name=contract.client, mllp=door)
        service.start()

    def idle(self) -> bool | None:
        return self.service.idle()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._service is not None:
            self._service.stop()  # no more deliveries while the server goes down
        loop, server = self._loop, self._server
        if loop is not None:
            if server is not None:
                with contextlib.suppress(Exception):
                    asyncio.run_coroutine_threadsafe(server.stop(), loop).result(15)
            loop.call_soon_threadsafe(loop.stop)
            if self._thread is not None:
                self._thread.join(timeout=10)
                if not self._thread.is_alive():
                    loop.close()
        if self._service is not None:
            self._service.close()
        self._server = self._loop = self._thread = None

"""The engine service: receive, store, acknowledge; decide and deliver in the background.

Doors (all under the service's base URL):

| method | path | what |
|---|---|---|
| POST | ``/hooks/crm``, ``/hooks/portal`` | change-event webhooks |
| PUT | ``/hooks/ehr/{type}/{id}`` | FHIR Subscription rest-hook notifications with the resource |
| POST | ``/hooks/ehr`` | a notification without payload (acknowledged, nothing to read) |
| GET | ``/metrics`` | Prometheus: the weekly metrics and queue depths |
| GET | ``/healthz`` | liveness |
| GET | ``/idle`` | quiescence: ``{"idle": true}`` when no event or effect is waiting |
| GET | ``/status`` | inbox and outbox counts by state, open incidents |

A delivery is acknowledged (200) only after the inbox row is durable: at-least-once in. A body
nobody can read is stored too (under a digest id) and dead-lettered by the worker, so nothing is
lost and nothing blocks. Two background threads run the worker and the sender; a webhook wakes
the worker at once, an event with effects wakes the sender.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry

from splitbrain.engine.entrypoints.metrics import EngineCollector, Extra
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.sync.delivery import Deliverer
from splitbrain.engine.service_layer.sync.inbound import PoisonEventError
from splitbrain.engine.service_layer.sync.model import InboxItem, InboxState, OutboxState
from splitbrain.engine.service_layer.sync.ports import SyncStore
from splitbrain.engine.service_layer.sync.worker import SyncWorker

log = logging.getLogger("splitbrain.engine.service")

IdOf = Callable[[bytes], str]


@dataclass
class EngineService:
    engine: Engine
    store: SyncStore
    worker: SyncWorker
    deliverer: Deliverer
    ids: dict[str, IdOf]
    """``{source: body -> inbox id}``; raises ``PoisonEventError`` for an unreadable body."""
    extra: Extra
    idle_poll: float = 0.05
    _stop: threading.Event = field(default_factory=threading.Event)
    _work: threading.Event = field(default_factory=threading.Event)
    _send: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    # -- receiving ----------------------------------------------------------------------------
    def receive(self, source: str, channel: str, body: bytes) -> tuple[str, bool]:
        """Store one delivery durably; ``(inbox id, new?)``."""
        try:
            event_id = self.ids[source](body)
        except PoisonEventError:
            event_id = f"{source}:unreadable:{hashlib.sha256(body).hexdigest()[:24]}"
        item = InboxItem(event_id=event_id, source=source, channel=channel, payload=body,
                         received_at=self.engine.clock.now())  # fmt: skip
        new = self.store.receive(item)
        self._work.set()
        return event_id, new

    # -- the loops ----------------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        for name, loop in (("worker", self._work_loop), ("sender", self._send_loop)):
            thread = threading.Thread(target=loop, name=f"splitbrain-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._work.set()
        self._send.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()

    def close(self) -> None:
        """Stop the loops, then release the target connections, the sync store and the engine
        (flushed, its audit log checkpointed)."""
        self.stop()
        for target in self.deliverer.targets.values():
            target.close()
        self.store.close()
        self.engine.close()

    def _work_loop(self) -> None:
        while not self._stop.is_set():
            try:
                claimed = self.worker.run_once()
            except Exception:  # keep serving; the item's lease expires and it is retried
                log.exception("worker pass failed")
                claimed = 0
            if claimed:
                self._send.set()
                continue
            self._work.wait(self.idle_poll)
            self._work.clear()

    def _send_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.deliverer.run_once()
            except Exception:
                log.exception("sender pass failed")
                sent = 0
            if not sent:
                self._send.wait(self.idle_poll)
                self._send.clear()

    def idle(self) -> bool:
        depths = self.store.depths()
        waiting = depths.inbox.get(InboxState.PENDING, 0) + depths.inbox.get(InboxState.CLAIMED, 0)
        sending = depths.outbox.get(OutboxState.PENDING, 0) + depths.outbox.get(
            OutboxState.CLAIMED, 0
        )
        return waiting == 0 and sending == 0

    # -- HTTP ---------------------------------------------------------------------------------
    def app(self) -> FastAPI:
        app = FastAPI(title="splitbrain engine", description=__doc__)
        registry = CollectorRegistry()
        registry.register(EngineCollector(self.engine, self.store, self.extra))

        async def _webhook(source: str, request: Request) -> JSONResponse:
            event_id, new = self.receive(source, "webhook", await request.body())
            return JSONResponse({"received": event_id, "new": new})

        @app.post("/hooks/crm")
        async def crm_hook(request: Request) -> JSONResponse:
            return await _webhook("crm", request)

        @app.post("/hooks/portal")
        async def portal_hook(request: Request) -> JSONResponse:
            return await _webhook("portal", request)

        @app.put("/hooks/ehr/{kind}/{ident}")
        async def fhir_hook(kind: str, ident: str, request: Request) -> JSONResponse:
            del kind, ident  # the resource names itself
            event_id, new = self.receive("ehr", "fhir-subscription", await request.body())
            return JSONResponse({"received": event_id, "new": new})

        @app.post("/hooks/ehr")
        async def fhir_ping() -> JSONResponse:
            return JSONResponse({"received": None, "new": False})

        @app.get("/metrics")
        async def metrics() -> Response:
            return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

        @app.get("/healthz")
        async def healthz() -> PlainTextResponse:
            return PlainTextResponse("ok")

        @app.get("/idle")
        async def idle() -> JSONResponse:
            return JSONResponse({"idle": self.idle()})

        @app.get("/status")
        async def status() -> JSONResponse:
            depths = self.store.depths()
            return JSONResponse({"inbox": dict(depths.inbox), "outbox": dict(depths.outbox),
                                 "open_incidents": depths.open_incidents})  # fmt: skip

        return app

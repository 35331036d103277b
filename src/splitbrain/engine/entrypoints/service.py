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
| POST | ``/reconcile`` | read every change feed now, receive what webhooks missed (the report) |

With a ``mllp`` door (``entrypoints.mllp``) the service also receives HL7 v2 ADT over MLLP; with
a ``merges`` carrier (``sync.merges``) the merges the engine makes are carried to the EHR;
with a ``reconciler`` (``sync.reconcile``) the worker reads the systems' change feeds every
``reconcile_every`` seconds (and on ``POST /reconcile``), and ``/idle`` is false while such a
pass is due after a delivery and has not run yet.

A delivery is acknowledged (200) only after the inbox row is durable: at-least-once in. While
the loops run, the HTTP doors store deliveries through a group receiver (``entrypoints.receiving``):
off the event loop, one commit for all the deliveries that arrived while the last one ran. A body
nobody can read is stored too (under a digest id) and dead-lettered by the worker, so nothing is
lost and nothing blocks. Two background threads run the worker and the sender; a webhook wakes
the worker at once, each finished event wakes the sender at once (not the end of its batch), and
the sender sends the effects of different records in parallel (``Deliverer.parallel``).
"""

from __future__ import annotations

import hashlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol, runtime_checkable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry

from splitbrain.engine.entrypoints.metrics import EngineCollector, Extra
from splitbrain.engine.entrypoints.mllp import MllpDoor
from splitbrain.engine.entrypoints.receiving import GroupReceiver
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.sync.delivery import Deliverer
from splitbrain.engine.service_layer.sync.inbound import Ignored, PoisonEventError
from splitbrain.engine.service_layer.sync.merges import MergeCarrier
from splitbrain.engine.service_layer.sync.model import InboxItem, InboxState, OutboxState
from splitbrain.engine.service_layer.sync.ports import SyncStore
from splitbrain.engine.service_layer.sync.reconcile import Reconciler, ReconcileReport
from splitbrain.engine.service_layer.sync.worker import SyncWorker

log = logging.getLogger("splitbrain.engine.service")

IdOf = Callable[[bytes], str]


@runtime_checkable
class SettlesOnReceipt(Protocol):
    """A translator that can tell from a body alone that there is nothing to decide."""

    def settled(self, body: bytes) -> Ignored | None:
        """The ``Ignored`` fact ``translate`` would give (an echo), else None."""
        ...


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
    mllp: MllpDoor | None = None
    """HL7 v2 over MLLP (started and stopped with the loops)."""
    merges: MergeCarrier | None = None
    """Carries the engine's merges to the EHR (swept by the worker loop and by ``idle``)."""
    reconciler: Reconciler | None = None
    """Reads the systems' change feeds for what the webhooks missed."""
    reconcile_every: float | None = None
    """Seconds between reconcile passes in the worker loop; None: only ``POST /reconcile``."""
    _reconciled_at: float = field(default_factory=time.monotonic)
    _touched: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)
    _work: threading.Event = field(default_factory=threading.Event)
    _send: threading.Event = field(default_factory=threading.Event)
    switch_interval: float | None = 0.0005
    """While the loops run, the interpreter's GIL switch interval (seconds; None: leave it). The
    worker decides on the CPU while the HTTP door acknowledges deliveries: with the default
    5 ms, each blocking call of an acknowledgment (socket, SQLite, fsync) could wait out a
    worker's slice, and the EHR's serial notifications queue behind that (bench_sync_latency)."""
    _threads: list[threading.Thread] = field(default_factory=list)
    _settlers: dict[tuple[str, str], Callable[[bytes], Ignored | None] | None] = field(
        default_factory=dict
    )
    _interval_before: float | None = None
    group_receive: bool = True
    """While the loops run, the HTTP doors store deliveries through a ``GroupReceiver``."""
    _receiver: GroupReceiver | None = None

    # -- receiving ----------------------------------------------------------------------------
    def receive(self, source: str, channel: str, body: bytes) -> tuple[str, bool]:
        """Store one delivery durably; ``(inbox id, new?)``. A delivery its translator can
        settle on receipt (an echo of the engine's own write) is stored in its terminal state
        at once: no worker pass, one transaction instead of three."""
        item, settled = self._item(source, channel, body)
        if settled is not None:
            new = self.store.receive_settled(item)
        else:
            new = self.store.receive(item)
            self._work.set()
        return item.event_id, self._received(new, settled)

    async def receive_async(self, source: str, channel: str, body: bytes) -> tuple[str, bool]:
        """``receive`` for the HTTP doors: while the loops run, the item is stored by the group
        receiver (``entrypoints.receiving``: off the event loop, one commit for every delivery
        waiting), and this returns once that commit is durable."""
        receiver = self._receiver
        if receiver is None:
            return self.receive(source, channel, body)
        item, settled = self._item(source, channel, body)
        new = await receiver.receive(item)
        return item.event_id, self._received(new, settled)

    def _item(self, source: str, channel: str, body: bytes) -> tuple[InboxItem, Ignored | None]:
        try:
            event_id = self.ids[source](body)
        except PoisonEventError:
            event_id = f"{source}:unreadable:{hashlib.sha256(body).hexdigest()[:24]}"
        item = InboxItem(event_id=event_id, source=source, channel=channel, payload=body,
                         received_at=self.engine.clock.now())  # fmt: skip
        self._touched = True
        settled = self._settled(source, channel, body)
        if settled is not None:
            item = replace(item, state=InboxState.DEDUPLICATED, detail=settled.reason)
        return item, settled

    def _received(self, new: bool, settled: Ignored | None) -> bool:
        if new and settled is not None:
            self.worker.ignored[settled.kind] += 1
        return new

    def _settled(self, source: str, channel: str, body: bytes) -> Ignored | None:
        door = (source, channel)
        if door not in self._settlers:  # a Protocol isinstance check is slow: once per door
            translator = self.worker.translators.by_channel.get(door)
            self._settlers[door] = (
                translator.settled if isinstance(translator, SettlesOnReceipt) else None
            )
        settle = self._settlers[door]
        return None if settle is None else settle(body)

    def accept(self, item: InboxItem) -> bool:
        """Store one delivery its door has named already (MLLP: by MSH-10); durable when it
        returns; True when it is new."""
        new = self.store.receive(item)
        self._touched = True
        self._work.set()
        return new

    # -- the loops ----------------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        if self.switch_interval is not None and self._interval_before is None:
            self._interval_before = sys.getswitchinterval()
            sys.setswitchinterval(self.switch_interval)
        if self.mllp is not None:
            self.mllp.start()
        if self.reconciler is not None:
            self.reconciler.start()
            self._reconciled_at = time.monotonic()
        if self.group_receive and self._receiver is None:
            self._receiver = GroupReceiver(self.store, stored=self._work.set)
            self._receiver.start()
        for name, loop in (("worker", self._work_loop), ("sender", self._send_loop)):
            thread = threading.Thread(target=loop, name=f"splitbrain-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        if self.mllp is not None:
            self.mllp.stop()
        receiver, self._receiver = self._receiver, None
        if receiver is not None:
            receiver.stop()
        self._stop.set()
        self._work.set()
        self._send.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()
        if self._interval_before is not None:
            sys.setswitchinterval(self._interval_before)
            self._interval_before = None

    def close(self) -> None:
        """Stop the loops, then release the target connections, the sync store and the engine
        (flushed, its audit log checkpointed)."""
        self.stop()
        self.deliverer.close()
        for target in self.deliverer.targets.values():
            target.close()
        if self.reconciler is not None:
            self.reconciler.close()
        self.store.close()
        self.engine.close()

    def _work_loop(self) -> None:
        while not self._stop.is_set():
            try:
                claimed = self.worker.run_once(each=self._send.set)
            except Exception:  # keep serving; the item's lease expires and it is retried
                log.exception("worker pass failed")
                claimed = 0
            if claimed:
                self._send.set()
                continue
            if self._sweep():
                continue
            if self._reconcile_due() and self.reconcile().received:
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

    def _sweep(self, *, force: bool = False) -> int:
        if self.merges is None:
            return 0
        try:
            return self.merges.sweep(force=force)
        except Exception:  # keep serving: the next pass sweeps again
            log.exception("merge sweep failed")
            return 0

    def reconcile(self) -> ReconcileReport:
        """One reconcile pass now (``POST /reconcile``, and the worker loop when one is due)."""
        if self.reconciler is None:
            return ReconcileReport(())
        self._touched = False
        self._reconciled_at = time.monotonic()
        try:
            report = self.reconciler.run()
        except Exception:  # keep serving: the feeds' positions are kept; the next pass rereads
            log.exception("reconcile pass failed")
            return ReconcileReport(())
        if report.received:
            self._work.set()
        return report

    def _reconcile_due(self) -> bool:
        every = self.reconcile_every
        return (
            self.reconciler is not None
            and every is not None
            and time.monotonic() - self._reconciled_at >= every
        )

    def idle(self) -> bool:
        if self._touched and self._reconcile_due():  # a pass is due after a delivery
            self._work.set()
            return False
        if self._sweep(force=True):  # a merge or unmerge the engine made is work waiting
            self._work.set()
            return False
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
            event_id, new = await self.receive_async(source, "webhook", await request.body())
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
            body = await request.body()
            event_id, new = await self.receive_async("ehr", "fhir-subscription", body)
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

        @app.post("/reconcile")
        def reconcile() -> JSONResponse:  # sync: the pass calls the systems, off the event loop
            if self.reconciler is None:
                return JSONResponse({"error": "this engine reads no change feeds"}, 404)
            return JSONResponse(self.reconcile().as_json())

        @app.get("/status")
        async def status() -> JSONResponse:
            depths = self.store.depths()
            return JSONResponse({"inbox": dict(depths.inbox), "outbox": dict(depths.outbox),
                                 "open_incidents": depths.open_incidents})  # fmt: skip

        return app

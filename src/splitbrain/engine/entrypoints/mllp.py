"""The engine's MLLP door: HL7 v2 ADT from the EHR's outbound feed, stored before it is acked.

For each frame, in order on its connection:

1. read it the way the worker will (``inbound_hl7.AdtMessages``), to know the answer;
2. store it in the durable inbox under ``ehr:hl7:{MSH-3}:{MSH-10}`` (a message whose MSH cannot
   be read, under a digest of its bytes), readable or not, so nothing is lost;
3. only then answer: AA; or, for a message that breaks a rule, AE/AR with an ERR naming the
   segment, field, rule and fix (the worker dead-letters it whole, with an incident). A resend
   after a lost ACK meets its stored twin: it is counted, answered the same, applied once.
   When the store itself fails the answer is AE 207 and the sender resends.

The door runs its own asyncio loop in a background thread, so the engine service (threads)
and ``splitbrain engine serve`` (uvicorn) need no shared loop::

    door = MllpDoor(service.accept, clock, port=0)
    door.start()
    door.port          # the bound port
    door.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from splitbrain.engine.adapters.hl7_messages import AckError, AckIds, build_ack
from splitbrain.engine.adapters.hl7_wire import (
    FrameDecoder,
    Header,
    Hl7Rejected,
    frame,
    salvage_header,
)
from splitbrain.engine.adapters.inbound_hl7 import AdtMessages, inbox_id
from splitbrain.engine.service_layer.clock import Clock
from splitbrain.engine.service_layer.sync.model import InboxItem

log = logging.getLogger("splitbrain.engine.mllp")

Accept = Callable[[InboxItem], bool]
"""Store an inbox item durably; True when it is new (``EngineService.accept``)."""
_READ_SIZE = 64 * 1024


@dataclass
class MllpDoor:
    accept: Accept
    clock: Clock
    host: str = "127.0.0.1"
    port: int = 0
    """0 = any free port; after ``start`` the bound port."""
    reader: AdtMessages = field(default_factory=AdtMessages)
    source: str = "ehr"
    _ack_ids: AckIds = field(default_factory=AckIds)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.Server | None = None
    _connections: set[asyncio.Task[None]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- one message ---------------------------------------------------------------------------
    def answer(self, payload: bytes) -> bytes:
        """Store one frame's payload and return the ACK payload (never raises)."""
        header = salvage_header(payload)
        now = self.clock.now()
        if header is not None and header.control_id:
            event_id = inbox_id(header.sending_application, header.control_id)
        else:
            event_id = f"{self.source}:hl7:unreadable:{hashlib.sha256(payload).hexdigest()[:24]}"
        item = InboxItem(event_id, self.source, "mllp", payload, now)
        problem: Hl7Rejected | None = None
        try:
            self.reader.translate(item)
        except Hl7Rejected as exc:
            problem = exc
        try:
            new = self.accept(item)
        except Exception as exc:  # the store failed: nothing kept, so the sender must resend
            log.error("MLLP message %s not stored (%s)", event_id, type(exc).__name__)
            error = AckError("207", f"the engine could not store {event_id}; resend it later")
            return self._ack(header, "AE", error)
        if problem is not None:
            log.warning("MLLP message %s refused %s: %s", event_id, problem.ack, problem.problem)
            error = AckError(problem.condition, problem.problem, problem.location)
            return self._ack(header, problem.ack, error)
        if not new:
            log.info("MLLP message %s was a resend; acknowledged again", event_id)
        return self._ack(header, "AA", None)

    def _ack(self, header: Header | None, code: str, error: AckError | None) -> bytes:
        with self._lock:
            control_id = self._ack_ids()
        return build_ack(header, code, control_id=control_id, at=self.clock.now(), error=error)

    # -- the listener --------------------------------------------------------------------------
    def start(self) -> None:
        """Listen; returns once the port is bound (raises ``OSError`` when it cannot be)."""
        if self._thread is not None:
            return
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)
                )
                self.port = int(self._server.sockets[0].getsockname()[1])
            except OSError as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="splitbrain-mllp", daemon=True)
        self._thread.start()
        ready.wait(15)
        if failure:
            self._thread.join(5)
            self._thread = self._loop = None
            raise failure[0]

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(15)
        self._loop = self._thread = None

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in tuple(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        decoder = FrameDecoder()
        try:
            while data := await reader.read(_READ_SIZE):
                for payload in decoder.feed(data):
                    ack = await asyncio.to_thread(self.answer, payload)
                    writer.write(frame(ack))
                    await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass  # the peer went away (its resend will be recognised) or the door is closing
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            if task is not None:
                self._connections.discard(task)

"""The outbound ADT feed: every patient change in the EHR, sent to one MLLP peer, in order.

A create becomes A04, an update A08, a merge A40 (PID = survivor, MRG = retired); deletes and
other resource types send nothing. One message is in flight at a time (original mode). Each
attempt waits for the ACK whose MSA-2 equals the message's MSH-10; an ACK for any other id is a
late answer to an earlier message and is discarded (``stale_acks``), never credited. No ACK in
time or AE: try again with the same MSH-10 after a capped, fully jittered backoff. AR: give up and
record it. Attempts exhausted: record it. Nothing vanishes: every change ends in ``outcomes``.
``settings.events`` limits what is sent (a planned message of another event is skipped, counted
in ``skipped_events``). With ``faults``, a ``lost_ack`` webhook rule matching ``peer`` throws a
good ACK away: the attempt is recorded ``info`` (``fault:lost_ack``) and the same MSH-10 is sent
again, as after a real lost ACK. Each attempt is an operation in the history (process
``process``, idempotency key = MSH-10)::

    feed = AdtFeed(FeedSettings("127.0.0.1", 2576), history=history, clock=clock)
    feed.attach(store)
    await feed.start()
    ...
    await feed.drain()          # every change so far delivered, rejected or exhausted
    await feed.stop()
"""

from __future__ import annotations

import asyncio
import collections
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from simulators._shared.clock import Clock, SystemClock
from simulators._shared.faults import FaultInjector
from simulators._shared.history import History, OpContext
from simulators.ehr.hl7.ack import Ack, read_ack
from simulators.ehr.hl7.client import MllpClient
from simulators.ehr.hl7.compose import Envelope, compose_adt
from simulators.ehr.hl7.errors import (
    FeedError,
    LostAck,
    MessageRejected,
    PeerError,
    PeerRejected,
    PeerUnavailable,
)
from simulators.ehr.hl7.framing import BrokenFrame, Frame, encode_frame
from simulators.ehr.hl7.identifiers import identifier_token, key_of
from simulators.ehr.hl7.outbound import Outbound, OutboundPlanner
from simulators.ehr.hl7.receiver import ControlIds
from simulators.ehr.hl7.target import AdtTarget, ChangeEvent

FeedStatus = Literal["delivered", "rejected", "exhausted", "unsendable"]
_ACCEPT: Final = frozenset({"AA", "CA"})
_REJECT: Final = frozenset({"AR", "CR"})


@dataclass(frozen=True)
class FeedSettings:
    """Where the feed sends, and how patiently."""

    host: str
    port: int
    ack_timeout: float = 5.0
    max_attempts: int = 5
    backoff_base: float = 0.2
    backoff_cap: float = 5.0
    connect_timeout: float = 5.0
    envelope: Envelope = field(default_factory=Envelope)
    events: frozenset[str] | None = None
    """The ADT events to send (None: every one the feed makes, A04/A08/A40)."""


@dataclass(frozen=True)
class FeedOutcome:
    """How one outbound message ended: ``detail`` names the last problem (no PHI)."""

    control_id: str
    event: str
    patient_id: str
    status: FeedStatus
    attempts: int
    detail: str = ""


class AdtFeed:
    """Sends ADT for every patient change the attached store reports."""

    def __init__(
        self,
        settings: FeedSettings,
        *,
        history: History | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        control_ids: Callable[[], str] | None = None,
        process: str = "feed",
        faults: FaultInjector | None = None,
        peer: str = "",
    ) -> None:
        self.settings = settings
        self._history = history
        self._clock = clock or SystemClock()
        self._rng = rng or random.Random(0)
        self._control_ids = control_ids or ControlIds(lead="F")
        self._process, self._faults, self._peer = process, faults, peer
        self._planner = OutboundPlanner()
        self._changes: collections.deque[ChangeEvent] = collections.deque()
        self._client: MllpClient | None = None
        self._worker: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._progress = asyncio.Event()
        self._busy = False
        self._lock = threading.Lock()
        self.outcomes: list[FeedOutcome] = []
        self.stale_acks = 0
        self.skipped_events = 0

    def attach(self, target: AdtTarget) -> None:
        """Subscribe to ``target``'s changes."""
        target.on_change(self.notify)

    def notify(self, change: ChangeEvent) -> None:
        """Queue one change; safe to call from any thread, never blocks."""
        with self._lock:
            self._changes.append(change)
            loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    def pending(self) -> int:
        """Changes queued, plus the one being delivered."""
        with self._lock:
            return len(self._changes) + int(self._busy)

    async def start(self) -> None:
        if self._worker is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._wake, self._progress = asyncio.Event(), asyncio.Event()
        self._worker = asyncio.create_task(self._run(), name="adt-feed")
        self._wake.set()

    async def drain(self) -> None:
        """Wait until every change queued so far has an outcome."""
        if self._worker is None:
            raise RuntimeError("AdtFeed.drain() before start(): nothing would ever send")
        while self._changes or self._busy:
            self._progress.clear()
            await self._progress.wait()

    async def stop(self) -> None:
        """Stop sending (queued changes stay queued) and close the connection."""
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        await self._disconnect()
        self._loop = None

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._changes:
                self._busy = True
                change = self._changes.popleft()
                try:
                    messages = self._planner.plan(change)
                except Exception as exc:  # a malformed resource must not stop the feed
                    messages = []
                    self._unsendable(change.id, "", exc)
                for message in messages:
                    if (
                        self.settings.events is not None
                        and message.event not in self.settings.events
                    ):
                        self.skipped_events += 1
                        continue
                    try:
                        await self._deliver(message)
                    except Exception as exc:  # e.g. an identifier without a system
                        self._unsendable(message.patient_id, message.event, exc)
                    self._progress.set()
            self._busy = False
            self._progress.set()

    def _unsendable(self, patient_id: str, event: str, exc: Exception) -> None:
        detail = f"Patient/{patient_id} could not be written as ADT ({type(exc).__name__})"
        self.outcomes.append(FeedOutcome("", event, patient_id, "unsendable", 0, detail))

    async def _deliver(self, message: Outbound) -> None:
        control_id = self._control_ids()
        payload = compose_adt(
            message.event,
            message.patient,
            control_id=control_id,
            timestamp=self._clock.now(),
            envelope=self.settings.envelope,
            retired=message.retired,
        ).encode("utf-8")
        key = identifier_token(key_of(message.patient["identifier"][0]))
        status: FeedStatus = "exhausted"
        detail, attempt = "", 0
        for attempt in range(1, self.settings.max_attempts + 1):
            op = self._invoke(message, control_id, attempt, key)
            try:
                ack = await self._exchange(payload, control_id)
                _judge(ack, control_id)
                self._lose_ack(control_id)
            except FeedError as exc:
                detail = str(exc)
                self._complete(op, exc)
                if not exc.retryable:
                    status = "rejected"
                    break
                await asyncio.sleep(self._backoff(attempt))
                continue
            self._complete(op, None)
            status, detail = "delivered", ""
            break
        self.outcomes.append(
            FeedOutcome(control_id, message.event, message.patient_id, status, attempt, detail)
        )

    async def _exchange(self, payload: bytes, control_id: str) -> Ack:
        """Send once; return the ACK whose MSA-2 is ``control_id`` (stale ACKs are dropped)."""
        client = await self._connection()
        try:
            await client.write(encode_frame(payload))
            async with asyncio.timeout(self.settings.ack_timeout):
                while True:
                    ack = _read(await client.receive(timeout=None))
                    if ack.acknowledged_id.strip() == control_id:
                        return ack
                    self.stale_acks += 1
        except TimeoutError:
            raise PeerUnavailable(
                f"no ACK for {control_id} within {self.settings.ack_timeout}s"
            ) from None
        except PeerUnavailable:
            await self._disconnect()
            raise

    async def _connection(self) -> MllpClient:
        if self._client is None or self._client.closed:
            await self._disconnect()
            host, port = self.settings.host, self.settings.port
            timeout = self.settings.connect_timeout
            self._client = await MllpClient.connect(host, port, timeout=timeout)
        return self._client

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    def _lose_ack(self, control_id: str) -> None:
        """Throw a good ACK away when a ``lost_ack`` fault fires for this peer."""
        if self._faults is not None and self._faults.decide_webhook(self._peer).lost_ack:
            raise LostAck(f"the ACK for {control_id} was lost on the way back (injected fault)")

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(0, ceiling)

    def _invoke(self, message: Outbound, control_id: str, attempt: int, key: str) -> int:
        if self._history is None:
            return -1
        context = OpContext(process=self._process, idempotency_key=control_id, attempt=attempt)
        fields: dict[str, Any] = {"patient_id": message.patient_id}
        return self._history.invoke(context, f"feed.{message.event}", key, fields=fields)

    def _complete(self, op: int, error: FeedError | None) -> None:
        if self._history is None:
            return
        if error is None:
            self._history.ok(op, outcome="AA")
        elif isinstance(error, LostAck):
            self._history.info(op, outcome="fault:lost_ack")  # the peer has applied it
        elif isinstance(error, PeerUnavailable):
            self._history.info(op, outcome="timeout")  # the peer may have applied it
        else:
            self._history.fail(op, outcome="AR" if isinstance(error, PeerRejected) else "AE")


def _read(frame: Frame | BrokenFrame) -> Ack:
    if isinstance(frame, BrokenFrame):
        raise PeerError(f"the peer's ACK frame was broken ({frame.reason})")
    try:
        return read_ack(frame.payload)
    except MessageRejected as exc:
        raise PeerError(f"the peer's reply is not a readable ACK ({exc})") from exc


def _judge(ack: Ack, control_id: str) -> None:
    if ack.code in _ACCEPT:
        return
    codes = ", ".join(code for code, _ in ack.errors) or "no ERR"
    if ack.code in _REJECT:
        raise PeerRejected(f"the peer rejected {control_id} with {ack.code} ({codes})")
    raise PeerError(f"the peer answered {control_id} with {ack.code or 'no MSA-1'} ({codes})")

"""HL7 v2 ADT over MLLP as a Locust user: its own client, its own request events.

Locust's HTTP clients cannot speak MLLP, so ``MllpConnection`` is a small blocking client over
the standard ``socket`` module (cooperative under Locust's gevent patch) that reuses the
simulator's pure framing (``MllpDecoder``, ``encode_frame``) and ADT composer. ``AdtFeed``
registers new patients (A04) and corrects their names (A08); each message is a request of type
``MLLP`` whose response time runs until the ACK, and which fails unless the ACK is AA for that
message's control id. The ADT's sending application is ``ADTLOAD`` (history process
``mllp:ADTLOAD``), a registration system, not the SUT.
"""

from __future__ import annotations

import itertools
import socket
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

from locust import User, task

from load import paths
from load.clients import MLLP_APPLICATION
from load.context import LoadContext, current
from load.pacing import fixed_rate
from load.people import Person
from load.persona import USER_RATE
from simulators.ehr.hl7 import Envelope, compose_adt, read_ack
from simulators.ehr.hl7.framing import BrokenFrame, Frame, MllpDecoder, encode_frame
from simulators.ehr.hl7.identifiers import DEFAULT_MRN_SYSTEM

__all__ = ["AdtFeed", "MllpConnection"]

_ENVELOPE = Envelope(sending_application=MLLP_APPLICATION, sending_facility="FRONTDESK",
                     receiving_application="EHRSIM", receiving_facility="EHRSIM")  # fmt: skip


class MllpConnection:
    """One MLLP connection: ``send`` writes a frame and returns the next frame's payload."""

    def __init__(self, host: str, port: int, *, timeout: float = 10.0) -> None:
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._decoder = MllpDecoder()
        self._frames: deque[Frame | BrokenFrame] = deque()

    def send(self, payload: bytes) -> bytes:
        self._sock.sendall(encode_frame(payload))
        while not self._frames:
            data = self._sock.recv(65536)
            if not data:
                raise ConnectionError("the MLLP peer closed the connection before its ACK")
            self._frames.extend(self._decoder.feed(data))
        frame = self._frames.popleft()
        if isinstance(frame, BrokenFrame):
            raise ConnectionError(f"the peer's ACK frame was broken ({frame.reason})")
        return frame.payload

    def close(self) -> None:
        self._sock.close()


class AdtFeed(User):
    """A registration system's ADT feed into the EHR."""

    weight = 1
    wait_time = fixed_rate(USER_RATE)
    _control = itertools.count(1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.connection: MllpConnection | None = None
        self.mine: deque[tuple[Person, str]] = deque()

    def on_start(self) -> None:
        contract = current().contract
        self.connection = MllpConnection(contract.mllp_host, contract.mllp_port)

    def on_stop(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    @property
    def ctx(self) -> LoadContext:
        return current()

    @task(2)
    def register(self) -> None:
        """A04: a new patient; the CRM must get them."""
        if self.ctx.draining:
            return
        person = self.ctx.people.new()
        mrn = f"ADT{self.ctx.people.salt}{person.serial}"
        if self._send("A04", person, mrn):
            self.sync(paths.HL7_CRM, person.family, lambda: self.mine.append((person, mrn)))

    @task(1)
    def update(self) -> None:
        """A08: a corrected family name for a patient this feed registered."""
        if self.ctx.draining or not self.mine:
            return
        person, mrn = self.mine.popleft()
        person.family = self.ctx.people.family_name()
        if self._send("A08", person, mrn):
            self.sync(paths.HL7_CRM, person.family, lambda: self.mine.append((person, mrn)))
        else:
            self.mine.append((person, mrn))

    def sync(self, path: str, value: str, back: Any) -> None:
        self.ctx.tracker.expect(path, "crm", acked=self.ctx.now(), value=value,
                                on_visible=lambda _rid: back())  # fmt: skip

    def _send(self, event: str, person: Person, mrn: str) -> bool:
        if self.ctx.draining:
            return False
        self.ctx.in_flight += 1
        try:
            return self._exchange(event, person, mrn)
        finally:
            self.ctx.in_flight -= 1

    def _exchange(self, event: str, person: Person, mrn: str) -> bool:
        self.ctx.count(type(self).__name__)
        control = f"L{self.ctx.people.salt}{next(self._control)}"
        patient = {
            "resourceType": "Patient",
            "identifier": [{"system": DEFAULT_MRN_SYSTEM, "value": mrn}],
            "name": [{"family": person.family, "given": [person.given]}],
            "birthDate": person.birth_date,
            "telecom": [{"system": "phone", "value": person.phone},
                        {"system": "email", "value": person.email}],
        }  # fmt: skip
        message = compose_adt(event, patient, control_id=control, timestamp=datetime.now(UTC),
                              envelope=_ENVELOPE).encode()  # fmt: skip
        started = time.perf_counter()
        error: Exception | None = None
        reply = b""
        try:
            if self.connection is None:
                contract = self.ctx.contract
                self.connection = MllpConnection(contract.mllp_host, contract.mllp_port)
            reply = self.connection.send(message)
            ack = read_ack(reply)
            if ack.code != "AA" or ack.acknowledged_id != control:
                codes = ", ".join(code for code, _ in ack.errors) or "none"
                error = AssertionError(f"ACK {ack.code or '?'} for {control} (ERR {codes})")
        except (OSError, ConnectionError) as exc:
            error = exc
            if self.connection is not None:
                self.connection.close()
            self.connection = None
        self.environment.events.request.fire(
            request_type="MLLP", name=f"ehr ADT^{event}", context={}, exception=error,
            response_time=(time.perf_counter() - started) * 1000.0, response_length=len(reply),
        )  # fmt: skip
        return error is None

"""The inbound side: one frame's payload in, one ACK out, the store changed and the history told.

``AdtReceiver.handle`` never raises: every ``MessageRejected`` becomes an AE/AR ACK with an ERR
segment (the per-class translation the STYLE guide asks for), and anything unexpected becomes
AE 207, so no message can take the listener down. Each message is one history operation:
``f`` = ``adt.A04`` (``hl7.ORU_R01`` for other types), ``key`` = the identifier token, outcome
AA/AE/AR, idempotency key = MSH-10::

    receiver = AdtReceiver(store, history=history, clock=clock)
    ack = receiver.handle(b"MSH|^~\\\\&|LAB|...")     # b"MSH|^~\\\\&|EHRSIM|...\\rMSA|AA|..."
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, Final

from simulators._shared.clock import Clock, SystemClock
from simulators._shared.errors import BadRequest
from simulators._shared.history import History, OpContext
from simulators.ehr.hl7.ack import AckError, Party, build_ack
from simulators.ehr.hl7.adt import (
    READ_SEGMENTS,
    AdtCommand,
    PatientMerge,
    PatientUpsert,
    event_of,
    read_adt,
)
from simulators.ehr.hl7.errors import (
    AckCode,
    ApplicationError,
    Condition,
    InvalidFieldValue,
    Location,
    MalformedMessage,
    MergeGroupFailed,
    MessageRejected,
    UnknownPatient,
    UnsupportedProcessingId,
    UnsupportedVersion,
)
from simulators.ehr.hl7.framing import BrokenFrame
from simulators.ehr.hl7.identifiers import IdentifierSystems, identifier_token
from simulators.ehr.hl7.parse import Header, Message, parse_message, salvage_header
from simulators.ehr.hl7.target import AdtTarget

NO_KEY: Final = "-"
_VERSION = re.compile(r"2\.\d+(\.\d+)*\Z")
_BROKEN_REASONS: Final = {
    "restarted": "the frame was cut short: a new start block (VT) came before its end (FS CR)",
    "eof": "the connection ended before the frame's end block (FS CR)",
    "oversize": "the frame is longer than this listener accepts; send a shorter message",
}


class ControlIds:
    """New MSH-10 values: a prefix unique to this run, then a counter (at most 20 characters)."""

    def __init__(self, prefix: str | None = None, *, lead: str = "E") -> None:
        self._prefix = prefix if prefix is not None else lead + _base36(time.time_ns() // 10**6)
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._counter)}"


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out[-8:] or "0"


class AdtReceiver:
    """Applies inbound ADT to an ``AdtTarget`` and answers every frame with exactly one ACK."""

    def __init__(
        self,
        target: AdtTarget,
        *,
        history: History | None = None,
        clock: Clock | None = None,
        systems: IdentifierSystems | None = None,
        us: Party | None = None,
        control_ids: Callable[[], str] | None = None,
    ) -> None:
        self._target = target
        self._history = history
        self._clock = clock or SystemClock()
        self._systems = systems or IdentifierSystems()
        self._us = us or Party()
        self._control_ids = control_ids or ControlIds()
        self.outcomes: Counter[str] = Counter()

    def handle(self, payload: bytes) -> bytes:
        """The ACK payload (UTF-8, unframed) for one frame's payload."""
        message: Message | None = None
        try:
            message = parse_message(payload, only=READ_SEGMENTS)
            _check_header(message.header)
            command = read_adt(message, self._systems)
        except MessageRejected as exc:
            return self._refuse(message, payload, exc)
        except Exception as exc:  # a reading bug must not cost the sender its connection
            error = ApplicationError(f"the EHR could not read the message ({type(exc).__name__})")
            return self._refuse(message, payload, error)
        return self._apply(message, command)

    def handle_broken(self, frame: BrokenFrame) -> bytes:
        """The AR for a frame that never ended properly (salvaging MSH-10 when possible)."""
        header = salvage_header(frame.partial)
        condition = Condition.SEGMENT_SEQUENCE_ERROR
        if frame.reason == "oversize":
            condition = Condition.APPLICATION_INTERNAL_ERROR
        error = MalformedMessage(_BROKEN_REASONS[frame.reason], condition=condition)
        return self._reject(header, header.trigger_event if header else "", error)

    def _apply(self, message: Message, command: AdtCommand) -> bytes:
        header = message.header
        event = command.event
        process = _process(header)
        key = identifier_token(command.key)
        fields = _recorded_fields(command)
        op = self._invoke(header, f"adt.{event}", key, process, fields)
        try:
            self._change(command, process)
        except MessageRejected as exc:
            return self._finish(op, header, event, AckCode(exc.ack_code), _error_of(exc))
        except BadRequest as exc:
            error = AckError(
                Condition.DATA_TYPE_ERROR,
                f"the EHR store refused the patient from ADT^{event} ({exc.code}); "
                "correct PID and resend",
            )
            return self._finish(op, header, event, AckCode.ERROR, error)
        except Exception as exc:  # the listener must survive any store failure
            failure = ApplicationError(
                f"the EHR could not apply ADT^{event} ({type(exc).__name__}); resend later"
            )
            return self._finish(op, header, event, AckCode.ERROR, _error_of(failure))
        return self._finish(op, header, event, AckCode.ACCEPT, None)

    def _change(self, command: AdtCommand, process: str) -> None:
        if isinstance(command, PatientUpsert):
            self._target.upsert_patient(command.patient, process=process)
            return
        # All groups or none: every group is checked, then the target merges them in one unit
        # of work, so a failure in group 2 leaves group 1 unapplied (and the ACK names group 2).
        for number, pair in enumerate(command.pairs, start=1):
            if pair.survivor == pair.retired:
                raise InvalidFieldValue(
                    f"A40 group {number}: MRG-1 names the same identifier "
                    f"({identifier_token(pair.retired)}) as PID-3; a patient cannot be merged "
                    "into itself; no group of this message was applied",
                    location=pair.location,
                )
        groups = [(pair.survivor, pair.retired) for pair in command.pairs]
        try:
            self._target.merge_patient_groups(groups, process=process)
        except MergeGroupFailed as failed:
            pair = command.pairs[failed.number - 1]
            if not isinstance(failed.cause, KeyError):
                raise failed.cause from failed
            raise UnknownPatient(
                f"A40 group {failed.number}: survivor {identifier_token(pair.survivor)} or "
                f"retired {identifier_token(pair.retired)} is not a patient of this EHR; "
                "register both (A04) before merging; no group of this message was applied",
                location=pair.location,
            ) from failed.cause

    def _refuse(self, message: Message | None, payload: bytes, exc: MessageRejected) -> bytes:
        header = message.header if message is not None else salvage_header(payload)
        return self._reject(header, _event(message, header), exc)

    def _reject(self, header: Header | None, event: str, exc: MessageRejected) -> bytes:
        f = _operation_name(header, event)
        op = self._invoke(header, f, NO_KEY, _process(header), None)
        return self._finish(op, header, event, AckCode(exc.ack_code), _error_of(exc))

    def _invoke(
        self, header: Header | None, f: str, key: str, process: str, fields: dict[str, Any] | None
    ) -> int:
        if self._history is None:
            return -1
        control_id = header.control_id if header is not None else None
        context = OpContext(process=process, idempotency_key=control_id or None)
        return self._history.invoke(context, f, key, fields=fields)

    def _finish(
        self, op: int, header: Header | None, event: str, code: AckCode, error: AckError | None
    ) -> bytes:
        self.outcomes[code.value] += 1
        if self._history is not None:
            if code is AckCode.ACCEPT:
                self._history.ok(op, outcome=code.value)
            else:
                self._history.fail(op, outcome=code.value)
        ack = build_ack(
            header,
            code,
            control_id=self._control_ids(),
            timestamp=self._clock.now(),
            errors=(error,) if error is not None else (),
            event=event,
            us=self._us,
        )
        return ack.encode("utf-8")


def _check_header(header: Header) -> None:
    required = (
        (header.message_code, 9, "message type"),
        (header.control_id, 10, "message control id"),
        (header.processing_id, 11, "processing id"),
        (header.version, 12, "version id"),
    )
    for value, field, name in required:
        if not value.strip():
            raise MalformedMessage(
                f"MSH-{field} ({name}) is empty; it is required in every message",
                location=Location("MSH", 1, field),
                condition=Condition.REQUIRED_FIELD_MISSING,
            )
    if header.processing_id.upper() not in ("P", "T", "D"):
        raise UnsupportedProcessingId(
            "MSH-11 (processing id) must be P, T or D", location=Location("MSH", 1, 11)
        )
    if not _VERSION.match(header.version):
        raise UnsupportedVersion(
            "MSH-12 (version id) must be an HL7 v2 version such as 2.5.1",
            location=Location("MSH", 1, 12),
        )


def _error_of(exc: MessageRejected) -> AckError:
    return AckError(exc.condition, str(exc), exc.location)


def _event(message: Message | None, header: Header | None) -> str:
    if message is not None:
        return event_of(message)
    return header.trigger_event.upper() if header is not None else ""


def _operation_name(header: Header | None, event: str) -> str:
    if header is None:
        return "hl7.unreadable"
    code = header.message_code.upper() or "UNKNOWN"
    if code == "ADT":
        return f"adt.{event or 'UNKNOWN'}"
    return f"hl7.{code}_{event}" if event else f"hl7.{code}"


def _process(header: Header | None) -> str:
    """``mllp:<sending application>`` (the HD namespace), the history's process name."""
    if header is None:
        return "mllp:unknown"
    delimiters = header.delimiters
    namespace = header.sending_application.split(delimiters.component, 1)[0]
    namespace = delimiters.unescape_text(namespace).strip()
    return f"mllp:{namespace or 'unknown'}"


def _recorded_fields(command: AdtCommand) -> dict[str, Any] | None:
    if isinstance(command, PatientMerge):
        return None
    return {name: value for name, value in command.patient.items() if name != "resourceType"}

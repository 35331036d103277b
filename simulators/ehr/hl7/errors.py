"""Errors of the EHR's HL7 v2 side: the MLLP listener, the ADT mapping and the outbound feed.

Inbound problems are raised while a message is read and turned into an ACK with an ERR segment
at one boundary (``simulators.ehr.hl7.receiver``), so the listener never crashes on them. The
tree::

    SimulatorError (simulators._shared.errors)
    └── Hl7Error                      anything the HL7 v2 side raises on purpose
        ├── MessageRejected           an inbound message the EHR will not apply -> ACK AE/AR + ERR
        │   ├── MalformedMessage        AR 100-102, 207: no MSH, empty MSH-9..12, bad delimiters,
        │   │                           not UTF-8, a frame cut short or too long
        │   ├── UnsupportedMessageType  AR 200: not an ADT message
        │   ├── UnsupportedEvent        AR 201: an ADT event the EHR does not apply (A02, ...)
        │   ├── UnsupportedProcessingId AR 202: MSH-11 not P, T or D
        │   ├── UnsupportedVersion      AR 203: MSH-12 not a 2.x version
        │   ├── MissingSegment          AE 100: a segment the event needs (PID, MRG) is absent
        │   ├── RequiredFieldMissing    AE 101: a required field is empty
        │   ├── InvalidFieldValue       AE 102/103: a field has the wrong form or an unknown code
        │   ├── UnknownPatient          AE 204: a merge names an identifier the EHR does not hold
        │   └── ApplicationError        AE 207: the EHR itself failed (a store error, a bug)
        ├── MergeGroupFailed          a target refused one group of a multi-group A40: it applied
        │                             none of the groups (.number: the 1-based group, .cause)
        └── FeedError                 the outbound ADT feed could not deliver one attempt
            ├── PeerUnavailable         retryable: refused, reset, closed, or no ACK in time
            │   └── LostAck               retryable: an injected fault threw a good ACK away
            ├── PeerError               retryable: the peer answered AE (or an unreadable ACK)
            └── PeerRejected            final: the peer answered AR; the feed records it, gives up

Every message names segment and field positions, control ids and tokens, never a PHI value.
"""

# ruff: noqa: N818  (names say what happened, as in simulators._shared.errors)
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from simulators._shared.errors import SimulatorError


class AckCode(StrEnum):
    """HL7 table 0008 (original mode): the MSA-1 answer to one message."""

    ACCEPT = "AA"
    ERROR = "AE"
    REJECT = "AR"


class Condition(Enum):
    """HL7 table 0357, message error condition codes: the ERR-3 code and its standard text."""

    SEGMENT_SEQUENCE_ERROR = ("100", "Segment sequence error")
    REQUIRED_FIELD_MISSING = ("101", "Required field missing")
    DATA_TYPE_ERROR = ("102", "Data type error")
    TABLE_VALUE_NOT_FOUND = ("103", "Table value not found")
    UNSUPPORTED_MESSAGE_TYPE = ("200", "Unsupported message type")
    UNSUPPORTED_EVENT_CODE = ("201", "Unsupported event code")
    UNSUPPORTED_PROCESSING_ID = ("202", "Unsupported processing id")
    UNSUPPORTED_VERSION_ID = ("203", "Unsupported version id")
    UNKNOWN_KEY_IDENTIFIER = ("204", "Unknown key identifier")
    APPLICATION_INTERNAL_ERROR = ("207", "Application internal error")

    @property
    def code(self) -> str:
        return self.value[0]

    @property
    def text(self) -> str:
        return self.value[1]


@dataclass(frozen=True)
class Location:
    """An ERR-2 error location (HL7 data type ERL): segment id, its sequence, field, component.

    ``Location("PID", 1, 3)`` renders as ``PID^1^3``; ``Location("MSH")`` as ``MSH``.
    """

    segment: str
    sequence: int | None = None
    field: int | None = None
    repetition: int | None = None
    component: int | None = None

    def parts(self) -> list[str]:
        """The ERL components as strings, trailing empties dropped."""
        raw = [self.segment, self.sequence, self.field, self.repetition, self.component]
        parts = ["" if value is None else str(value) for value in raw]
        while parts and not parts[-1]:
            parts.pop()
        return parts

    def __str__(self) -> str:
        """Human form for messages: ``PID-3``, ``MRG[2]-1``, ``MSH-9.2``."""
        text = self.segment
        if self.sequence is not None and self.sequence > 1:
            text += f"[{self.sequence}]"
        if self.field is not None:
            text += f"-{self.field}"
        if self.component is not None:
            text += f".{self.component}"
        return text


class Hl7Error(SimulatorError):
    """Base of every error the HL7 v2 side raises on purpose."""


class MessageRejected(Hl7Error):
    """An inbound message the EHR will not apply; the receiver answers it with an ACK and ERR."""

    ack_code: AckCode = AckCode.ERROR
    condition: Condition = Condition.APPLICATION_INTERNAL_ERROR

    def __init__(self, message: str, *, location: Location | None = None) -> None:
        super().__init__(message, status=400)
        self.location = location


class MalformedMessage(MessageRejected):
    ack_code = AckCode.REJECT
    condition = Condition.SEGMENT_SEQUENCE_ERROR

    def __init__(
        self, message: str, *, location: Location | None = None, condition: Condition | None = None
    ) -> None:
        super().__init__(message, location=location)
        if condition is not None:
            self.condition = condition


class UnsupportedMessageType(MessageRejected):
    ack_code = AckCode.REJECT
    condition = Condition.UNSUPPORTED_MESSAGE_TYPE


class UnsupportedEvent(MessageRejected):
    ack_code = AckCode.REJECT
    condition = Condition.UNSUPPORTED_EVENT_CODE


class UnsupportedProcessingId(MessageRejected):
    ack_code = AckCode.REJECT
    condition = Condition.UNSUPPORTED_PROCESSING_ID


class UnsupportedVersion(MessageRejected):
    ack_code = AckCode.REJECT
    condition = Condition.UNSUPPORTED_VERSION_ID


class MissingSegment(MessageRejected):
    condition = Condition.SEGMENT_SEQUENCE_ERROR


class RequiredFieldMissing(MessageRejected):
    condition = Condition.REQUIRED_FIELD_MISSING


class InvalidFieldValue(MessageRejected):
    condition = Condition.DATA_TYPE_ERROR

    def __init__(
        self, message: str, *, location: Location | None = None, condition: Condition | None = None
    ) -> None:
        super().__init__(message, location=location)
        if condition is not None:
            self.condition = condition


class UnknownPatient(MessageRejected):
    condition = Condition.UNKNOWN_KEY_IDENTIFIER


class ApplicationError(MessageRejected):
    condition = Condition.APPLICATION_INTERNAL_ERROR


class MergeGroupFailed(Hl7Error):
    """``AdtTarget.merge_patient_groups`` applied none of the groups because group ``number``
    (1-based) failed with ``cause`` (a ``KeyError`` when an identifier matches no patient)."""

    def __init__(self, number: int, cause: Exception) -> None:
        super().__init__(f"merge group {number} failed ({type(cause).__name__}); none applied")
        self.number = number
        self.cause = cause


class FeedError(Hl7Error):
    """One delivery attempt of the outbound ADT feed failed."""

    retryable: bool = True


class PeerUnavailable(FeedError):
    """The peer could not be reached, closed the connection, or sent no matching ACK in time."""


class PeerError(FeedError):
    """The peer answered AE (or something that is not a readable ACK): try again later."""


class PeerRejected(FeedError):
    """The peer answered AR: resending the same message cannot succeed."""

    retryable = False


class LostAck(PeerUnavailable):
    """An injected ``lost_ack`` fault: the peer's good ACK arrived and was thrown away."""

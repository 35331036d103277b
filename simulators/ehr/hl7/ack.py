"""Original-mode acknowledgements: building the EHR's ACKs and reading a peer's.

An ACK answers one message: MSH with the sender and receiver swapped, MSH-9 ``ACK^<event>^ACK``,
a new MSH-10; MSA-1 AA/AE/AR and MSA-2 the original MSH-10; one ERR per problem with ERR-2 the
location (``PID^1^3``), ERR-3 the table 0357 code, ERR-4 the severity and ERR-8 a message for
people. The ACK uses the original's delimiters, so the copied MSH fields stay byte-exact::

    MSH|^~\\&|EHR|EHRFAC|LAB|LABFAC|20250106090000+0000||ACK^A04^ACK|EHR1|P|2.5.1|||||UNICODE UTF-8
    MSA|AE|MSG42
    ERR||PID^1^3|101^Required field missing^HL70357|E||||PID-3 (patient identifier list) has ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from simulators.ehr.hl7.errors import AckCode, Condition, Location
from simulators.ehr.hl7.parse import STANDARD_DELIMITERS, Delimiters, Header, parse_message

ACK_VERSION: Final = "2.5.1"
CHARACTER_SET: Final = "UNICODE UTF-8"
_PROCESSING_IDS: Final = frozenset({"P", "T", "D"})


@dataclass(frozen=True)
class AckError:
    """One ERR segment: where (ERR-2), which condition (ERR-3), how bad (ERR-4), why (ERR-8)."""

    condition: Condition
    message: str
    location: Location | None = None
    severity: str = "E"


@dataclass(frozen=True)
class Party:
    """The application and facility (HD wire text) the EHR answers as when MSH-5/6 are empty."""

    application: str = "EHRSIM"
    facility: str = "EHRSIM"


def build_ack(
    original: Header | None,
    code: AckCode,
    *,
    control_id: str,
    timestamp: datetime,
    errors: Sequence[AckError] = (),
    event: str = "",
    us: Party = Party(),
) -> str:
    """The ACK text (segments joined by CR, no MLLP framing) for ``original``.

    ``original`` is None when not even MSH could be read: the ACK then has an empty MSA-2.
    """
    delimiters = original.delimiters if original is not None else STANDARD_DELIMITERS
    fs, cs = delimiters.field, delimiters.component
    processing = original.processing_id if original is not None else ""
    msh = [
        "MSH",
        delimiters.encoding_characters,
        (original.receiving_application if original else "") or us.application,
        (original.receiving_facility if original else "") or us.facility,
        original.sending_application if original else "",
        original.sending_facility if original else "",
        timestamp.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000"),
        "",
        f"ACK{cs}{delimiters.escape_text(event)}{cs}ACK" if event else "ACK",
        delimiters.escape_text(control_id),
        processing if processing in _PROCESSING_IDS else "P",
        ACK_VERSION,
        "", "", "", "", "",
        CHARACTER_SET,
    ]  # fmt: skip
    segments = [fs.join(msh), fs.join(["MSA", code.value, original.control_id if original else ""])]
    segments += [_err(error, delimiters) for error in errors]
    return "\r".join(segments)


def _err(error: AckError, delimiters: Delimiters) -> str:
    cs = delimiters.component
    location = cs.join(error.location.parts()) if error.location is not None else ""
    condition = cs.join([error.condition.code, error.condition.text, "HL70357"])
    fields = ["ERR", "", location, condition, error.severity, "", "", "", ""]
    fields[8] = delimiters.escape_text(error.message)
    return delimiters.field.join(fields)


@dataclass(frozen=True)
class Ack:
    """A peer's ACK as the outbound feed reads it."""

    code: str
    acknowledged_id: str
    errors: tuple[tuple[str, str], ...]
    """(ERR-3 code, ERR-8 message) per ERR segment."""


def read_ack(payload: bytes) -> Ack:
    """Read MSA-1, MSA-2 and the ERR codes of a peer's ACK; raise ``MalformedMessage``."""
    message = parse_message(payload, only=frozenset({"MSA", "ERR"}))
    msa = message.first("MSA")
    if msa is None:
        return Ack("", "", ())
    errors = tuple((err.value(3, 1), err.value(8)) for err in message.all("ERR"))
    return Ack(msa.value(1).upper(), msa.raw(2), errors)

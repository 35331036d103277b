"""HL7 v2 on the wire, for the engine: MLLP frames, one message read into segments, escaping.

The engine may not import the simulators (DESIGN §2), so it reads HL7 v2 itself, as any
integration engine would. MLLP wraps each message as ``<VT> payload <FS><CR>``; a message is
segments split by CR, fields by MSH-1, and MSH-2 names the component, repetition, escape and
subcomponent characters::

    decoder = FrameDecoder()
    decoder.feed(b"\\x0bMSH|^~\\\\&|EHR\\x1c\\r")         # [b"MSH|^~\\\\&|EHR"]
    message = read_message(b"MSH|^~\\\\&|EHR||ENG||20260105||ADT^A04|42|P|2.5.1")
    message.header.control_id                              # '42'

Broken input raises ``Hl7Rejected`` (a ``PoisonEventError``) naming the segment and field, the
rule and the fix, with the ACK code (AR: the message as a whole is refused; AE: a field is
wrong) and the HL7 table 0357 condition code. Never a field's value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from splitbrain.engine.service_layer.sync.inbound import PoisonEventError

VT: Final = b"\x0b"
FS: Final = b"\x1c"
CR: Final = b"\r"
MAX_FRAME_BYTES: Final = 1 << 20
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{2}\Z")
_VERSION = re.compile(r"2\.\d+(\.\d+)*\Z")


class Hl7Rejected(PoisonEventError):  # noqa: N818 - named for what happened (STYLE §4)
    """A message the engine will not apply: answered AE/AR with an ERR, and dead-lettered."""

    def __init__(
        self, event_id: str, problem: str, *, ack: str, condition: str, location: str = ""
    ) -> None:
        super().__init__(event_id, problem)
        self.ack = ack
        """``AR`` (rejected whole) or ``AE`` (a segment or field is wrong)."""
        self.condition = condition
        """HL7 table 0357: 100 segment sequence, 101 required field missing, 102 data type,
        200 message type, 201 event code, 203 version id, 207 application internal error."""
        self.location = location
        """ERR-2 as wire text (``PID^1^3``)."""


def frame(payload: bytes) -> bytes:
    return VT + payload + FS + CR


class FrameDecoder:
    """Frames from a byte stream, split across reads at any byte; bytes outside frames are
    dropped; a start block inside a frame restarts it; an oversize frame is cut to its start."""

    def __init__(self, max_bytes: int = MAX_FRAME_BYTES) -> None:
        self._buffer = bytearray()
        self._open = False
        self._max = max_bytes

    def feed(self, data: bytes) -> list[bytes]:
        frames: list[bytes] = []
        for byte in data:
            if byte == VT[0]:
                self._buffer, self._open = bytearray(), True
            elif not self._open:
                continue
            elif byte == FS[0]:
                frames.append(bytes(self._buffer))
                self._buffer, self._open = bytearray(), False
            elif len(self._buffer) < self._max:
                self._buffer.append(byte)
        return frames


@dataclass(frozen=True, slots=True)
class Delimiters:
    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @property
    def encoding(self) -> str:
        return f"{self.component}{self.repetition}{self.escape}{self.subcomponent}"

    def unescape(self, text: str) -> str:
        e = self.escape
        if e not in text:
            return text
        table = {"F": self.field, "S": self.component, "R": self.repetition, "E": e,
                 "T": self.subcomponent}  # fmt: skip
        parts = text.split(e)
        out = [parts[0]]
        for index in range(1, len(parts), 2):
            code = parts[index]
            out.append(table.get(code, "") if index + 1 < len(parts) else e + code)
            if index + 1 < len(parts):
                out.append(parts[index + 1])
        return "".join(out)

    def escaped(self, text: str) -> str:
        e = self.escape
        out = text.replace(e, f"{e}E{e}")
        for char, code in ((self.field, "F"), (self.component, "S"), (self.repetition, "R"),
                           (self.subcomponent, "T")):  # fmt: skip
            out = out.replace(char, f"{e}{code}{e}")
        return out.replace("\r", " ").replace("\n", " ")


STANDARD: Final = Delimiters()


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    sequence: int
    fields: tuple[str, ...]
    """Wire text by HL7 field number (``fields[0]`` is the id; for MSH, 1 is the separator)."""
    delimiters: Delimiters

    def raw(self, number: int) -> str:
        return self.fields[number] if 0 < number < len(self.fields) else ""

    def repetitions(self, number: int) -> list[list[str]]:
        """The field's repetitions, each a list of components (first subcomponent, unescaped,
        stripped; the HL7 null ``""`` reads as empty)."""
        d = self.delimiters
        out: list[list[str]] = []
        for repetition in self.raw(number).split(d.repetition):
            parts = repetition.split(d.component)
            out.append([_clean(d.unescape(c.split(d.subcomponent)[0])) for c in parts])
        return out

    def subcomponents(self, number: int, component: int, repetition: int = 0) -> list[str]:
        d = self.delimiters
        reps = self.raw(number).split(d.repetition)
        if repetition >= len(reps):
            return []
        components = reps[repetition].split(d.component)
        if component > len(components):
            return []
        return [_clean(d.unescape(s)) for s in components[component - 1].split(d.subcomponent)]

    def value(self, number: int, component: int = 1) -> str:
        first = self.repetitions(number)[0]
        return first[component - 1] if component <= len(first) else ""


def _clean(text: str) -> str:
    text = text.strip()
    return "" if text == '""' else text


@dataclass(frozen=True, slots=True)
class Header:
    sending_application: str
    sending_facility: str
    receiving_application: str
    receiving_facility: str
    message_code: str
    trigger_event: str
    control_id: str
    processing_id: str
    version: str
    delimiters: Delimiters


@dataclass(frozen=True, slots=True)
class Message:
    header: Header
    segments: tuple[Segment, ...]

    def all(self, segment_id: str) -> list[Segment]:
        return [s for s in self.segments if s.id == segment_id]

    def first(self, segment_id: str) -> Segment | None:
        return next((s for s in self.segments if s.id == segment_id), None)


def read_message(payload: bytes, event_id: str = "hl7:?") -> Message:
    """The message in one frame's payload; raises ``Hl7Rejected`` (AR) when it is not HL7 v2."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Hl7Rejected(event_id, f"the message is not UTF-8 (byte {exc.start}); send UTF-8",
                          ack="AR", condition="102") from None  # fmt: skip
    lines = [line for line in text.replace("\r\n", "\r").replace("\n", "\r").split("\r") if line]
    if not lines or not lines[0].startswith("MSH") or len(lines[0]) < 8:
        raise Hl7Rejected(event_id, "the message does not begin with an MSH segment; send MSH "
                          "first", ack="AR", condition="100", location="MSH")  # fmt: skip
    sep, encoding = lines[0][3], lines[0][4:8]
    if len(set(sep + encoding)) != 5 or sep.isalnum():
        raise Hl7Rejected(event_id, "MSH-1/MSH-2 do not name five distinct delimiters; send "
                          "|^~\\&", ack="AR", condition="102", location="MSH^1^2")  # fmt: skip
    d = Delimiters(sep, encoding[0], encoding[1], encoding[2], encoding[3])
    segments: list[Segment] = []
    counts: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        fields = line.split(sep)
        if not _SEGMENT_ID.match(fields[0]) or (number > 1 and fields[0] == "MSH"):
            raise Hl7Rejected(event_id, f"segment {number} has no valid segment id (or is a "
                              "second MSH); send one message per frame", ack="AR",
                              condition="100")  # fmt: skip
        if fields[0] == "MSH":
            fields.insert(1, sep)
        counts[fields[0]] = counts.get(fields[0], 0) + 1
        segments.append(Segment(fields[0], counts[fields[0]], tuple(fields), d))
    return Message(_header(segments[0], event_id), tuple(segments))


def _header(msh: Segment, event_id: str) -> Header:
    header = Header(
        sending_application=msh.raw(3), sending_facility=msh.raw(4),
        receiving_application=msh.raw(5), receiving_facility=msh.raw(6),
        message_code=msh.value(9, 1).upper(), trigger_event=msh.value(9, 2).upper(),
        control_id=msh.raw(10).strip(), processing_id=msh.value(11, 1).upper(),
        version=msh.value(12, 1), delimiters=msh.delimiters,
    )  # fmt: skip
    for value, number, name in ((header.message_code, 9, "message type"),
                                (header.control_id, 10, "message control id"),
                                (header.processing_id, 11, "processing id"),
                                (header.version, 12, "version id")):  # fmt: skip
        if not value:
            raise Hl7Rejected(event_id, f"MSH-{number} ({name}) is empty; it is required",
                              ack="AR", condition="101", location=f"MSH^1^{number}")  # fmt: skip
    if not _VERSION.match(header.version):
        raise Hl7Rejected(event_id, "MSH-12 (version id) is not an HL7 v2 version; send 2.5.1",
                          ack="AR", condition="203", location="MSH^1^12")  # fmt: skip
    return header


def salvage_header(payload: bytes) -> Header | None:
    """MSH read without checks, for the ACK of a message that could not be read."""
    text = payload.decode("utf-8", errors="replace").replace("\n", "\r")
    first = text.split("\r", 1)[0]
    if not first.startswith("MSH") or len(first) < 8:
        return None
    sep, encoding = first[3], first[4:8]
    if len(set(sep + encoding)) != 5:
        return None
    d = Delimiters(sep, *encoding)
    fields = first.split(sep)
    fields.insert(1, sep)
    msh = Segment("MSH", 1, tuple(fields), d)
    return Header(
        msh.raw(3), msh.raw(4), msh.raw(5), msh.raw(6), msh.value(9, 1).upper(),
        msh.value(9, 2).upper(), msh.raw(10).strip(), msh.value(11, 1).upper(),
        msh.value(12, 1), d,
    )  # fmt: skip

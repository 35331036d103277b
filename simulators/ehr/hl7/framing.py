"""MLLP framing: ``<VT> payload <FS><CR>``, decoded from a byte stream as it arrives.

``MllpDecoder`` is pure (bytes in, frame events out) so it can be property-tested without a
socket. Its contract, which the listener turns into "every frame that begins gets one ACK":

* every ``<VT>`` byte begins a frame; bytes outside a frame are junk and only counted;
* a frame ends at ``<FS><CR>`` (a ``<FS>`` followed by anything else also ends it: lenient);
* a ``<VT>`` inside an open frame ends that frame as broken (``restarted``) and begins another;
* a frame longer than ``max_frame_bytes`` is kept only up to its first bytes and reported broken
  (``oversize``) when it ends; a frame still open at end of stream is broken (``eof``).

Frames may be split across reads at any byte, and one read may carry several frames::

    decoder = MllpDecoder()
    decoder.feed(b"\\x0bMSH|^~\\\\&|A")            # []
    decoder.feed(b"\\x1c\\r\\x0bMSH|x\\x1c\\r")      # [Frame(b"MSH|^~\\\\&|A"), Frame(b"MSH|x")]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

START_BLOCK: Final = b"\x0b"
END_BLOCK: Final = b"\x1c"
CARRIAGE_RETURN: Final = b"\r"
UTF8_BOM: Final = b"\xef\xbb\xbf"
DEFAULT_MAX_FRAME_BYTES: Final = 1 << 20
_SALVAGE_BYTES: Final = 4096
_WHITESPACE: Final = b" \t\r\n\x00"

BrokenReason = Literal["restarted", "oversize", "eof"]


@dataclass(frozen=True, slots=True)
class Frame:
    """One complete MLLP frame's payload, without the block characters."""

    payload: bytes


@dataclass(frozen=True, slots=True)
class BrokenFrame:
    """A frame that began but did not end properly; ``partial`` holds its first bytes."""

    partial: bytes
    reason: BrokenReason


FrameEvent = Frame | BrokenFrame


def encode_frame(payload: bytes) -> bytes:
    """Wrap one payload in MLLP block characters."""
    return START_BLOCK + payload + END_BLOCK + CARRIAGE_RETURN


class MllpDecoder:
    """Turns a stream of reads into ``Frame`` and ``BrokenFrame`` events, in stream order."""

    def __init__(self, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES) -> None:
        if max_frame_bytes < 1:
            raise ValueError(f"max_frame_bytes must be positive; got {max_frame_bytes}")
        self._max = max_frame_bytes
        self._buffer = bytearray()
        self._in_frame = False
        self._end_seen = False
        self._oversize = False
        self.junk_bytes = 0

    @property
    def in_frame(self) -> bool:
        """True while a frame has begun and not yet ended."""
        return self._in_frame

    def feed(self, data: bytes) -> list[FrameEvent]:
        """Consume one read; return the frames it completed or broke."""
        events: list[FrameEvent] = []
        position = 0
        while position < len(data):
            if not self._in_frame:
                position = self._skip_junk(data, position)
            elif self._end_seen:
                position = self._finish(data, position, events)
            else:
                position = self._collect(data, position, events)
        return events

    def close(self) -> list[FrameEvent]:
        """End of stream: a frame still open is broken (or complete if only its CR is missing)."""
        if not self._in_frame:
            return []
        events: list[FrameEvent] = []
        if self._end_seen:
            self._emit_end(events)
        else:
            events.append(self._broken("eof"))
        self._reset(in_frame=False)
        return events

    def _skip_junk(self, data: bytes, position: int) -> int:
        start = data.find(START_BLOCK, position)
        stop = len(data) if start < 0 else start
        self.junk_bytes += len(data[position:stop].strip(_WHITESPACE))
        if start < 0:
            return len(data)
        self._reset(in_frame=True)
        return start + 1

    def _finish(self, data: bytes, position: int, events: list[FrameEvent]) -> int:
        """The byte after ``<FS>``: ``<CR>`` is consumed; anything else begins outside."""
        self._emit_end(events)
        self._reset(in_frame=False)
        return position + 1 if data[position : position + 1] == CARRIAGE_RETURN else position

    def _collect(self, data: bytes, position: int, events: list[FrameEvent]) -> int:
        end = data.find(END_BLOCK, position)
        restart = data.find(START_BLOCK, position)
        if restart >= 0 and (end < 0 or restart < end):
            self._append(data[position:restart])
            events.append(self._broken("oversize" if self._oversize else "restarted"))
            self._reset(in_frame=True)
            return restart + 1
        if end < 0:
            self._append(data[position:])
            return len(data)
        self._append(data[position:end])
        self._end_seen = True
        return end + 1

    def _append(self, chunk: bytes) -> None:
        if self._oversize:
            return
        if len(self._buffer) + len(chunk) > self._max:
            self._oversize = True
            keep = max(0, _SALVAGE_BYTES - len(self._buffer))
            self._buffer += chunk[:keep]
            del self._buffer[_SALVAGE_BYTES:]
            return
        self._buffer += chunk

    def _emit_end(self, events: list[FrameEvent]) -> None:
        if self._oversize:
            events.append(self._broken("oversize"))
        else:
            events.append(Frame(bytes(self._buffer)))

    def _broken(self, reason: BrokenReason) -> BrokenFrame:
        return BrokenFrame(bytes(self._buffer[:_SALVAGE_BYTES]), reason)

    def _reset(self, *, in_frame: bool) -> None:
        self._buffer = bytearray()
        self._in_frame = in_frame
        self._end_seen = False
        self._oversize = False


def clean_payload(payload: bytes) -> bytes:
    """Tolerate what real senders do: a UTF-8 BOM, LF or CRLF line ends, blank lines.

    Returns the payload with segments separated by single ``<CR>`` and no BOM:

    >>> clean_payload(b"\\xef\\xbb\\xbfMSH|^~\\\\&\\r\\nPID|1\\n\\nPV1|\\n")
    b'MSH|^~\\\\&\\rPID|1\\rPV1|'
    """
    text = payload.strip(_WHITESPACE)
    if text.startswith(UTF8_BOM):
        text = text[len(UTF8_BOM) :].lstrip(_WHITESPACE)
    if b"\n" in text:
        text = text.replace(b"\r\n", b"\r").replace(b"\n", b"\r")
    while b"\r\r" in text:
        text = text.replace(b"\r\r", b"\r")
    return text

"""One MLLP connection's protocol state, without a socket: bytes in, framed ACKs out.

Every frame that begins gets exactly one ACK, in order: complete frames get the receiver's answer,
broken ones (cut short by a new start block, too long, or cut by the end of the stream) get an
AR. Bytes outside frames get nothing. The asyncio server only moves bytes through a session, so
tests (and Hypothesis) can drive a session directly::

    session = MllpSession(AdtReceiver(store))
    replies = session.receive(b"\\x0bMSH|...\\x1c\\r")    # [b"\\x0bMSH|...MSA|AA|...\\x1c\\r"]
"""

from __future__ import annotations

from simulators.ehr.hl7.framing import (
    DEFAULT_MAX_FRAME_BYTES,
    BrokenFrame,
    FrameEvent,
    MllpDecoder,
    encode_frame,
)
from simulators.ehr.hl7.receiver import AdtReceiver


class MllpSession:
    """Decodes one connection's stream and answers each frame through an ``AdtReceiver``."""

    def __init__(
        self, receiver: AdtReceiver, *, max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    ) -> None:
        self._receiver = receiver
        self._decoder = MllpDecoder(max_frame_bytes)
        self.frames = 0

    @property
    def junk_bytes(self) -> int:
        """Bytes seen outside any frame (ignored, never answered)."""
        return self._decoder.junk_bytes

    def receive(self, data: bytes) -> list[bytes]:
        """The framed ACKs for the frames this read completed, in stream order."""
        return self._answer(self._decoder.feed(data))

    def finish(self) -> list[bytes]:
        """End of the peer's stream: an AR for a frame left open, if any."""
        return self._answer(self._decoder.close())

    def _answer(self, events: list[FrameEvent]) -> list[bytes]:
        replies: list[bytes] = []
        for event in events:
            self.frames += 1
            if isinstance(event, BrokenFrame):
                replies.append(encode_frame(self._receiver.handle_broken(event)))
            else:
                replies.append(encode_frame(self._receiver.handle(event.payload)))
        return replies

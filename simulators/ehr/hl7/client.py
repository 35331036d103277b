"""A small asyncio MLLP client: the outbound feed's connection, and the tests' and benches' sender.

python-hl7's ``MLLPClient`` reads one ``recv(4096)`` per message (an ACK split across reads, or
two ACKs in one read, would be mis-framed), so this client reads frames with ``MllpDecoder``::

    async with await MllpClient.connect("127.0.0.1", port) as client:
        ack = await client.send(b"MSH|^~\\\\&|...")       # the next frame's payload
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from types import TracebackType

from simulators.ehr.hl7.errors import PeerError, PeerUnavailable
from simulators.ehr.hl7.framing import BrokenFrame, Frame, MllpDecoder, encode_frame

_READ_SIZE = 64 * 1024


class MllpClient:
    """One MLLP connection: write frames, read the peer's frames in order."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._decoder = MllpDecoder()
        self._frames: collections.deque[Frame | BrokenFrame] = collections.deque()
        self._eof = False

    @classmethod
    async def connect(cls, host: str, port: int, *, timeout: float = 5.0) -> MllpClient:
        """Open a connection; raise ``PeerUnavailable`` when the peer cannot be reached."""
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, TimeoutError) as exc:
            raise PeerUnavailable(
                f"cannot open an MLLP connection to {host}:{port} ({type(exc).__name__})"
            ) from exc
        return cls(reader, writer)

    @property
    def closed(self) -> bool:
        return self._eof or self._writer.is_closing()

    async def send(self, message: bytes | str, *, timeout: float | None = 5.0) -> bytes:
        """Send one message and return the payload of the next frame the peer sends."""
        await self.write(encode_frame(_bytes(message)))
        frame = await self.receive(timeout=timeout)
        if isinstance(frame, BrokenFrame):
            raise PeerError(f"the peer's reply frame was broken ({frame.reason})")
        return frame.payload

    async def write(self, data: bytes) -> None:
        """Write raw bytes (already framed, or deliberately not) and wait for the buffer."""
        try:
            self._writer.write(data)
            await self._writer.drain()
        except (ConnectionError, RuntimeError) as exc:
            raise PeerUnavailable(f"the MLLP peer closed the connection ({exc})") from exc

    async def receive(self, *, timeout: float | None = 5.0) -> Frame | BrokenFrame:
        """The next frame from the peer; ``TimeoutError`` if none comes in time."""
        async with asyncio.timeout(timeout):
            while not self._frames:
                await self._read_more()
        return self._frames.popleft()

    async def close(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError):  # already reset by the peer
            await self._writer.wait_closed()

    async def __aenter__(self) -> MllpClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def _read_more(self) -> None:
        if self._eof:
            raise PeerUnavailable("the MLLP peer closed the connection before replying")
        try:
            data = await self._reader.read(_READ_SIZE)
        except ConnectionError as exc:
            raise PeerUnavailable(f"the MLLP peer reset the connection ({exc})") from exc
        if not data:
            self._eof = True
            self._frames.extend(self._decoder.close())
            if not self._frames:
                raise PeerUnavailable("the MLLP peer closed the connection before replying")
            return
        self._frames.extend(self._decoder.feed(data))


def _bytes(message: bytes | str) -> bytes:
    return message.encode("utf-8") if isinstance(message, str) else message

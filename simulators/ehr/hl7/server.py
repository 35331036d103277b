"""The EHR's MLLP listener: asyncio streams around ``MllpSession``.

Many messages per connection, many connections at once. The listener only closes a connection
after the peer ended its stream (answering a frame it left open first) or when the server stops;
garbage, broken frames and failing stores get ACKs, never a dropped connection::

    server = await start_mllp_server(store, "127.0.0.1", 0, history=history, clock=clock)
    print(server.port)
    ...
    await server.close()
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

from simulators._shared.clock import Clock
from simulators._shared.history import History
from simulators.ehr.hl7.ack import Party
from simulators.ehr.hl7.framing import DEFAULT_MAX_FRAME_BYTES
from simulators.ehr.hl7.identifiers import IdentifierSystems
from simulators.ehr.hl7.receiver import AdtReceiver
from simulators.ehr.hl7.session import MllpSession
from simulators.ehr.hl7.target import AdtTarget

READ_SIZE = 64 * 1024


class MllpServer:
    """A running listener: its bound address, its receiver, and ``close()``."""

    def __init__(self, receiver: AdtReceiver, *, max_frame_bytes: int) -> None:
        self.receiver = receiver
        self._max_frame_bytes = max_frame_bytes
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.connections_served = 0

    @property
    def host(self) -> str:
        return str(self._sockname()[0])

    @property
    def port(self) -> int:
        return int(str(self._sockname()[1]))

    async def listen(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._serve, host, port, reuse_address=True)

    async def close(self) -> None:
        """Stop listening, end every open connection, and wait until they are closed."""
        if self._server is None:
            return
        self._server.close()
        for task in tuple(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> MllpServer:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def _sockname(self) -> tuple[object, ...]:
        if self._server is None or not self._server.sockets:
            raise RuntimeError("the MLLP server is not listening; await listen() first")
        return tuple(self._server.sockets[0].getsockname())

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        self.connections_served += 1
        session = MllpSession(self.receiver, max_frame_bytes=self._max_frame_bytes)
        try:
            await _pump(reader, writer, session)
        except (ConnectionError, TimeoutError):
            pass  # the peer reset the connection: nobody is left to answer
        except asyncio.CancelledError:
            pass  # close() ends the connection; asyncio's callback must not see a cancel
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            if task is not None:
                self._connections.discard(task)


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, session: MllpSession
) -> None:
    while data := await reader.read(READ_SIZE):
        replies = session.receive(data)
        if replies:
            writer.write(b"".join(replies))
            await writer.drain()
    tail = session.finish()
    if tail:
        writer.write(b"".join(tail))
        await writer.drain()


async def start_mllp_server(
    target: AdtTarget,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    history: History | None = None,
    clock: Clock | None = None,
    systems: IdentifierSystems | None = None,
    us: Party | None = None,
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
) -> MllpServer:
    """Listen for MLLP on ``host:port`` (0 = any free port) and apply ADT to ``target``."""
    receiver = AdtReceiver(target, history=history, clock=clock, systems=systems, us=us)
    server = MllpServer(receiver, max_frame_bytes=max_frame_bytes)
    await server.listen(host, port)
    return server

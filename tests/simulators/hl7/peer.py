"""A scripted MLLP peer on a real loopback socket (the far end of the outbound ADT feed), for e2e.

It answers frames one at a time, in arrival order, as a real receiving system does. A script
decides, per received message, how long to wait and what to answer (None = never answer)::

    peer = ScriptedPeer(lambda control_id, seen: (0.0, "AE") if seen == 1 else (0.0, "AA"))
    async with peer:
        ...  # point FeedSettings at peer.port
    peer.received  # [(control_id, event), ...] in arrival order
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from simulators.ehr.hl7.ack import build_ack
from simulators.ehr.hl7.errors import AckCode
from simulators.ehr.hl7.framing import Frame, MllpDecoder, encode_frame
from simulators.ehr.hl7.parse import parse_message

Script = Callable[[str, int], tuple[float, str] | None]
"""(control id, how many times this id was seen, 1-based) -> (delay seconds, MSA-1) or None."""


def always_accept(control_id: str, seen: int) -> tuple[float, str]:
    return (0.0, "AA")


class ScriptedPeer:
    def __init__(self, script: Script = always_accept) -> None:
        self.script = script
        self.received: list[tuple[str, str]] = []
        self.payloads: list[bytes] = []
        self._seen: Counter[str] = Counter()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def __aenter__(self) -> ScriptedPeer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in tuple(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        decoder = MllpDecoder()
        try:
            while data := await reader.read(65536):
                for frame in decoder.feed(data):
                    if isinstance(frame, Frame):
                        await self._answer(frame.payload, writer)
        except (asyncio.CancelledError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()
            self._tasks.discard(task)

    async def _answer(self, payload: bytes, writer: asyncio.StreamWriter) -> None:
        header = parse_message(payload).header
        self.payloads.append(payload)
        self.received.append((header.control_id, header.trigger_event))
        self._seen[header.control_id] += 1
        decision = self.script(header.control_id, self._seen[header.control_id])
        if decision is None:
            return
        delay, code = decision
        await asyncio.sleep(delay)
        ack = build_ack(
            header, AckCode(code), control_id=f"P{len(self.received)}",
            timestamp=datetime.now(UTC), event=header.trigger_event,
        )  # fmt: skip
        writer.write(encode_frame(ack.encode()))
        await writer.drain()

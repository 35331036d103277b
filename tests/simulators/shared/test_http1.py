"""The lean HTTP/1.1 webhook transport against scripted loopback servers: it reads every body
framing, reuses keep-alive connections, and fails with httpx's exception types."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from simulators._shared.http1 import Http1Transport

pytestmark = pytest.mark.anyio

Answer = Callable[[bytes], bytes]
"""Request head -> the raw answer to write (b"": close without one)."""


@asynccontextmanager
async def _server(answer: Answer, got: list[bytes]) -> AsyncIterator[str]:
    """A loopback server that answers each request with ``answer``; ``got`` collects the
    requests (head and body) and, as ``b"<connect>"``, each new connection."""

    handlers: list[asyncio.Task[object]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        got.append(b"<connect>")
        task = asyncio.current_task()
        assert task is not None
        handlers.append(task)
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)  # fmt: skip
                got.append(head + await reader.readexactly(length))
                reply = answer(head)
                if not reply:
                    break
                writer.write(reply)
                await writer.drain()
                if b"connection: close" in reply.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        writer.close()
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}"
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)


def _ok(status: int = 200, extra: str = "", body: bytes = b"{}") -> Answer:
    return lambda _head: (
        f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body
    )


async def test_a_request_carries_its_method_path_headers_and_body() -> None:
    got: list[bytes] = []
    transport = Http1Transport()
    async with _server(_ok(202), got) as url:
        status = await transport.send("PUT", f"{url}/hooks/ehr/Patient/1?x=1", b'{"a": 1}',
                                      {"X-Sim-Event-Id": "ehr-evt-1"})  # fmt: skip
        await transport.aclose()

    assert status == 202
    head, body = got[1].split(b"\r\n\r\n", 1)
    assert head.startswith(b"PUT /hooks/ehr/Patient/1?x=1 HTTP/1.1\r\n")
    assert b"X-Sim-Event-Id: ehr-evt-1" in head and b"Content-Length: 8" in head
    assert body == b'{"a": 1}'


async def test_keep_alive_connections_are_reused() -> None:
    got: list[bytes] = []
    transport = Http1Transport()
    async with _server(_ok(), got) as url:
        statuses = [await transport.send("POST", url, b"{}", {}) for _ in range(3)]
        await transport.aclose()

    assert statuses == [200, 200, 200]
    assert got.count(b"<connect>") == 1


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"2\r\nok\r\n3;x=y\r\n!!!\r\n0\r\n\r\n",
        b"HTTP/1.1 204 No Content\r\n\r\n",
    ],
    ids=["chunked", "no-body"],
)
async def test_every_body_framing_is_read_and_the_connection_kept(reply: bytes) -> None:
    got: list[bytes] = []
    transport = Http1Transport()
    async with _server(lambda _head: reply, got) as url:
        first = await transport.send("POST", url, b"{}", {})
        second = await transport.send("POST", url, b"{}", {})
        await transport.aclose()

    assert first == second == int(reply.split(b" ")[1])
    assert got.count(b"<connect>") == 1


async def test_an_answer_that_closes_gets_a_new_connection_next_time() -> None:
    got: list[bytes] = []
    transport = Http1Transport()
    async with _server(_ok(503, "Connection: close\r\n"), got) as url:
        statuses = [await transport.send("POST", url, b"{}", {}) for _ in range(2)]
        await transport.aclose()

    assert statuses == [503, 503]
    assert got.count(b"<connect>") == 2


async def test_a_refused_connection_is_an_httpx_connect_error() -> None:
    async with _server(_ok(), []) as url:
        pass  # closed: nothing listens there any more
    transport = Http1Transport()

    with pytest.raises(httpx.ConnectError):
        await transport.send("POST", url, b"{}", {})


async def test_a_server_that_closes_without_an_answer_is_a_protocol_error() -> None:
    transport = Http1Transport()
    async with _server(lambda _head: b"", []) as url:
        with pytest.raises(httpx.RemoteProtocolError):
            await transport.send("POST", url, b"{}", {})


async def test_a_server_that_never_answers_times_out_as_httpx_does() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport = Http1Transport(timeout=0.05)
    async with server:
        with pytest.raises(httpx.ReadTimeout):
            await transport.send("POST", f"http://127.0.0.1:{port}", b"{}", {})


async def test_a_header_with_a_line_break_is_refused_before_sending() -> None:
    got: list[bytes] = []
    transport = Http1Transport()
    async with _server(_ok(), got) as url:
        with pytest.raises(httpx.LocalProtocolError):
            await transport.send("POST", url, b"{}", {"X-Evil": "a\r\nInjected: 1"})

    assert got in ([], [b"<connect>"])

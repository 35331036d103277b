"""A lean HTTP/1.1 webhook transport: keep-alive connections per origin on asyncio streams.

A webhook needs little of an HTTP client: send one request with a ``Content-Length``, read the
status line, the headers and the body (``Content-Length``, chunked, or up to the close), and
reuse the connection. ``httpx`` did that at about a millisecond of CPU per request, the largest
cost of the world after its servers (bench/bench_sync_latency.py); this does it at a fraction.

Failures raise httpx's exception types, as ``HttpxTransport`` did (``ConnectError``,
``ConnectTimeout``, ``ReadTimeout``, ``RemoteProtocolError``, ``LocalProtocolError``), so the
histories name the same outcomes (``transport:ConnectError``). A URL other than plain
``http://`` (TLS, a proxy's) goes through ``HttpxTransport``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from simulators._shared.transports import HttpxTransport

_Origin = tuple[str, int]
_Conn = tuple[asyncio.StreamReader, asyncio.StreamWriter, asyncio.AbstractEventLoop]
_NO_BODY = frozenset({204, 304})


class Http1Transport:
    """Plain-HTTP webhooks over pooled keep-alive connections; ``timeout`` bounds the connect
    and, apart, the exchange (write the request, read the whole answer)."""

    def __init__(self, *, timeout: float = 5.0) -> None:
        self._timeout = timeout
        self._idle: dict[_Origin, list[_Conn]] = {}
        self._fallback = HttpxTransport(timeout=timeout)

    async def send(self, method: str, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            return await self._fallback.send(method, url, body, headers)
        origin = (parts.hostname, parts.port or 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = _head(method, target, parts.netloc, len(body), headers)
        conn = self._take(origin) or await self._connect(origin)
        try:
            async with asyncio.timeout(self._timeout):
                conn[1].write(head + body)
                await conn[1].drain()
                status, keep = await _answer(conn[0], method)
        except TimeoutError:
            conn[1].close()
            raise httpx.ReadTimeout(f"no answer from {url} within {self._timeout}s") from None
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            conn[1].close()
            raise httpx.RemoteProtocolError(f"{url}: {type(exc).__name__}") from exc
        except BaseException:  # cancelled mid-exchange: the connection's state is unknown
            conn[1].close()
            raise
        if keep:
            self._idle.setdefault(origin, []).append(conn)
        else:
            conn[1].close()
        return status

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        loop = asyncio.get_running_loop()
        for conns in idle.values():
            for _reader, writer, owner in conns:
                writer.close()
                if owner is loop:
                    with contextlib.suppress(OSError):
                        await writer.wait_closed()
        await self._fallback.aclose()

    def _take(self, origin: _Origin) -> _Conn | None:
        """An idle connection to ``origin`` still open on this loop, else None."""
        conns = self._idle.get(origin)
        loop = asyncio.get_running_loop()
        while conns:
            reader, writer, owner = conns.pop()
            if owner is loop and not writer.is_closing() and not reader.at_eof():
                return reader, writer, owner
            if owner is loop:
                writer.close()
        return None

    async def _connect(self, origin: _Origin) -> _Conn:
        try:
            async with asyncio.timeout(self._timeout):
                reader, writer = await asyncio.open_connection(*origin)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {origin[0]}:{origin[1]} timed out") from None
        except OSError as exc:
            raise httpx.ConnectError(f"{origin[0]}:{origin[1]}: {exc.strerror or exc}") from exc
        return reader, writer, asyncio.get_running_loop()


def _head(method: str, target: str, host: str, length: int, headers: Mapping[str, str]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", f"Content-Length: {length}"]
    for name, value in headers.items():
        if any(c in name or c in value for c in "\r\n\0") or not name:
            raise httpx.LocalProtocolError(f"header {name!r} has a line break or no name")
        if name.lower() not in ("host", "content-length", "transfer-encoding"):
            lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _answer(reader: asyncio.StreamReader, method: str) -> tuple[int, bool]:
    """Read one answer; ``(status, whether the connection may be reused)``."""
    status_line = await reader.readline()
    if not status_line:
        raise ValueError("the server closed the connection without an answer")
    version, status_text = status_line.split(b" ", 2)[:2]
    status = int(status_text)
    fields: dict[bytes, bytes] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n"):
        if not line:
            raise ValueError("the server closed the connection in the headers")
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    keep = version == b"HTTP/1.1" and fields.get(b"connection", b"").lower() != b"close"
    if method == "HEAD" or status in _NO_BODY or 100 <= status < 200:
        return status, keep
    if fields.get(b"transfer-encoding", b"").lower() == b"chunked":
        await _chunks(reader)
    elif b"content-length" in fields:
        await reader.readexactly(int(fields[b"content-length"]))
    else:  # the body runs to the close
        await reader.read()
        keep = False
    return status, keep


async def _chunks(reader: asyncio.StreamReader) -> None:
    while size := int((await reader.readline()).split(b";", 1)[0].strip() or b"0", 16):
        await reader.readexactly(size + 2)
    while (await reader.readline()) not in (b"\r\n", b"\n", b""):  # trailers
        pass

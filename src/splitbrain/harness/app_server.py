"""One ASGI app served by uvicorn inside the running event loop, on a port of its own.

The world serves its three simulators this way, and the reference SUT serves the engine the
same way beside them. It lives apart from ``harness.world`` so that serving one app does not
import the simulators::

    server = AppServer("crm", crm.create_app(settings), "127.0.0.1", 0)
    await server.start()
    server.url          # "http://127.0.0.1:41234"
    await server.stop()

    async with serving(app) as url:    # the same, for the length of a block
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from fastapi import FastAPI

from splitbrain.harness.errors import PortInUseError, WorldError

__all__ = ["AppServer", "serving", "url_host"]

_START_TIMEOUT = 15.0


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the world and never exits the process.

    uvicorn answers a failed bind with ``sys.exit(1)``; inside a task that would escape the
    event loop, so the failure is kept in ``failed`` for ``World.start`` to report.
    """

    failed = False

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().serve(sockets)
        except SystemExit:
            self.failed = True


class AppServer:
    """One ASGI app under uvicorn in the running loop (port 0 = any free port)::

    server = AppServer("crm", crm.create_app(settings), "127.0.0.1", 0)
    await server.start()
    server.url          # "http://127.0.0.1:41234"
    await server.stop()
    """

    def __init__(self, name: str, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        self.name = name
        self.host = host
        self._port = port
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        if not self._server.started:
            raise WorldError(f"the {self.name} server is not listening; await start() first")
        return int(self._server.servers[0].sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{url_host(self.host)}:{self.port}"

    async def start(self) -> None:
        """Listen; returns once the server accepts connections (``PortInUseError`` if not)."""
        task = asyncio.get_running_loop().create_task(self._server.serve(), name=self.name)
        self._task = task
        async with asyncio.timeout(_START_TIMEOUT):
            while not self._server.started and not task.done():
                await asyncio.sleep(0.01)
        if not self._server.started:
            await self.stop()
            raise PortInUseError(
                f"the {self.name} simulator could not listen on {self.host}:{self._port}; free "
                f"the port or pass another (--{self.name}-port)"
            )

    def request_stop(self) -> None:
        self._server.should_exit = True

    async def stop(self) -> None:
        """Stop accepting, let in-flight requests finish, run the app's shutdown."""
        self.request_stop()
        task, self._task = self._task, None
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task


@contextlib.asynccontextmanager
async def serving(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve ``app`` on a port for the duration of the block; yields its base URL."""
    server = AppServer(app.title, app, host, port)
    await server.start()
    try:
        yield server.url
    finally:
        await server.stop()


def url_host(host: str) -> str:
    """``host`` as a URL writes it (an IPv6 address in brackets)."""
    return f"[{host}]" if ":" in host else host

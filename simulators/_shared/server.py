"""Serve a simulator app on a real port, in a background thread (tests, ``sim up``, benchmarks).

::

    with serve(create_app(settings)) as base_url:      # port 0: a free loopback port
        httpx.get(f"{base_url}/fhir/metadata", headers=auth)

The server runs uvicorn's ``Server`` on its own event loop in a daemon thread; leaving the block
asks it to exit and joins the thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from simulators._shared.errors import ConfigurationError


@contextmanager
def serve(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 10.0,
    log_level: str = "warning",
) -> Iterator[str]:
    """Run ``app`` on ``host:port`` until the block ends; yields ``http://host:port``."""
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{host}:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise ConfigurationError(
                f"the server on {host}:{port} did not start within {startup_timeout}s; "
                "is the port taken?"
            )
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

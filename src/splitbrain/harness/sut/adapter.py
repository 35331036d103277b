"""What every SUT adapter is (``Sut``) and what they share: waiting for a port, asking ``/idle``.

::

    sut = parse_sut("command:python -m my_engine")
    sut.start(contract)        # returns once the SUT listens on contract.sut_host:sut_port
    sut.idle()                 # True / False from its GET /idle, or None when it has none
    sut.stop()
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import httpx

from splitbrain.harness.sut.contract import Contract

__all__ = ["IdleProbe", "Sut", "free_port", "wait_for_port"]


@runtime_checkable
class Sut(Protocol):
    """A system under test the harness can start, ask for quiescence, and stop."""

    name: str

    def start(self, contract: Contract) -> None: ...

    def idle(self) -> bool | None:
        """True/False when the SUT can say whether work is waiting; None when it cannot."""
        ...

    def stop(self) -> None: ...


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the SUT binds it a moment later)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def wait_for_port(
    host: str, port: int, timeout: float, *, alive: Callable[[], bool] = lambda: True
) -> bool:
    """Poll until ``host:port`` accepts a connection (True), ``alive()`` turns False or the
    timeout passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class IdleProbe:
    """``GET {base}{path}``: True/False from ``{"idle": bool}``; None once the SUT has shown it
    has no idle endpoint (404/405, or no path in the contract). Unreachable counts as busy."""

    def __init__(self, base: str, path: str | None) -> None:
        self._path = path
        self._http = httpx.Client(base_url=base, timeout=5.0)

    def __call__(self) -> bool | None:
        if self._path is None:
            return None
        try:
            response = self._http.get(self._path)
        except httpx.HTTPError:
            return False
        if response.status_code in (404, 405):
            self._path = None
            return None
        try:
            return response.status_code == 200 and response.json().get("idle") is True
        except ValueError:
            return False

    def close(self) -> None:
        self._http.close()

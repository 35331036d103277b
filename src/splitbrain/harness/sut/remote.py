"""``http:URL``: an engine already running elsewhere. The harness neither starts nor stops it;
the engine registers its own webhooks and Subscriptions with the world's addresses (start the
world on fixed ports for it: ``LiveRun.start(..., ports=Ports(...))``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from splitbrain.harness.sut.adapter import IdleProbe, wait_for_port
from splitbrain.harness.sut.contract import Contract
from splitbrain.harness.sut.errors import SutSpecError, SutStartError

__all__ = ["HttpSut"]


class HttpSut:
    def __init__(self, url: str, *, idle: str | None = "/idle", wait: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SutSpecError(
                f"--sut 'http:{url}': not an http(s) URL with a host; write e.g. "
                "--sut http:http://127.0.0.1:8010"
            )
        self.url = url.rstrip("/")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.name = f"http:{self.url}"
        self.idle_path = idle
        self.wait = wait
        self._probe: IdleProbe | None = None

    def start(self, contract: Contract) -> None:
        if not wait_for_port(self.host, self.port, self.wait):
            raise SutStartError(
                f"the SUT at {self.url} did not accept connections within {self.wait:g}s; start "
                "it first (it must be running for --sut http:URL) or check the URL"
            )
        self._probe = IdleProbe(self.url, self.idle_path)

    def idle(self) -> bool | None:
        return self._probe() if self._probe is not None else None

    def stop(self) -> None:
        if self._probe is not None:
            self._probe.close()
            self._probe = None

"""The change-feed observer: each Locust process follows the systems' own change feeds.

It serves a small receiver (gevent WSGI, in the Locust process) and registers it with each
system over its public API, as any consumer would: a webhook on the CRM and the portal
(``POST /webhooks``), a FHIR Subscription (rest-hook with payload) on the EHR. Every event it
receives goes to the ``SyncTracker``; nothing polls and nothing sleeps::

    observer = Observer(tracker, contract, key, name="load-observer-w1")
    observer.start()          # listens, then registers
    observer.stop()           # unregisters, stops listening
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import orjson
from gevent.pywsgi import WSGIServer  # type: ignore[import-untyped]

from load.errors import ObserverError
from load.marks import SyncTracker
from splitbrain.harness.sut.contract import Contract

__all__ = ["Observer"]

_SUBSCRIBED = ("Patient",)
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class Observer:
    def __init__(self, tracker: SyncTracker, contract: Contract, key: str, *, name: str,
                 host: str = "127.0.0.1", advertise: str | None = None) -> None:  # fmt: skip
        self.tracker = tracker
        self.contract = contract
        self.name = name
        self.events = 0
        self._key = key
        self._host = host
        self._advertise = advertise or host
        self._server: WSGIServer | None = None
        self._subscriptions: list[str] = []
        self._hooks: list[str] = []

    @property
    def url(self) -> str:
        if self._server is None:
            raise ObserverError(f"observer {self.name} is not listening; start() it first")
        return f"http://{self._advertise}:{self._server.server_port}"

    def start(self) -> None:
        self._server = WSGIServer((self._host, 0), self._app, log=None, error_log=None)
        self._server.start()
        for system in ("crm", "portal"):
            hook = {"name": self.name, "url": f"{self.url}/hooks/{system}"}
            with self._client(system) as http:
                self._ok(system, http.post("/webhooks", json=hook))
            self._hooks.append(system)
        with self._client("ehr") as http:
            for kind in _SUBSCRIBED:
                subscription = {
                    "resourceType": "Subscription", "status": "requested", "criteria": kind,
                    "reason": f"splitbrain load observer {self.name}",
                    "channel": {"type": "rest-hook", "endpoint": f"{self.url}/hooks/ehr",
                                "payload": "application/fhir+json"},
                }  # fmt: skip
                answer = http.post("/Subscription", json=subscription)
                self._ok("ehr", answer)
                self._subscriptions.append(str(answer.json()["id"]))

    def stop(self) -> None:
        """Unregister (best effort: the world may already be gone) and stop listening."""
        with contextlib.suppress(httpx.HTTPError):
            for system in self._hooks:
                with self._client(system) as http:
                    http.delete(f"/webhooks/{self.name}")
            with self._client("ehr") as http:
                for ident in self._subscriptions:
                    http.delete(f"/Subscription/{ident}")
        self._hooks.clear()
        self._subscriptions.clear()
        if self._server is not None:
            self._server.stop(timeout=1)
            self._server = None

    # -- receiving ----------------------------------------------------------------------------
    def _app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            self._receive(path, body)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            start_response("400 Bad Request", [("Content-Length", "0")])
            return [b""]
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]

    def _receive(self, path: str, body: bytes) -> None:
        parts = path.strip("/").split("/")
        if len(parts) < 2 or parts[0] != "hooks" or not body:
            return
        system = parts[1]
        data = orjson.loads(body)
        self.events += 1
        if system == "ehr":
            self.tracker.observe("ehr", str(data["id"]), data)
        elif system in ("crm", "portal"):
            record = data.get("record") or {}
            ident = (
                str(record.get("account_id") or data["id"])
                if system == "portal"
                else str(data["id"])
            )
            self.tracker.observe(system, ident, record)

    # -- registering --------------------------------------------------------------------------
    def _client(self, system: str) -> httpx.Client:
        return httpx.Client(base_url=self.contract.base(system), timeout=10.0,
                            headers={"Authorization": f"Bearer {self._key}"})  # fmt: skip

    def _ok(self, system: str, response: httpx.Response) -> None:
        if response.status_code >= 300:
            raise ObserverError(
                f"{system} refused observer {self.name}: {response.request.method} "
                f"{response.request.url.path} answered {response.status_code}; give the "
                "observer's client a role that may register receivers (sync_engine)"
            )

"""The systems' change feeds over their public APIs, for reconciliation (``sync.reconcile``).

| feed | request | position |
|---|---|---|
| ``crm:changes``, ``portal:changes`` | ``GET /changes?since=N&limit=M`` | the last ``seq`` read |
| ``ehr:{type}/_history`` | ``GET /{type}/_history?_count=M&_offset=K`` | versions read |

(The EHR answers its history newest first; the position counts the type's versions read, since
the history only grows.)

Each entry becomes what its webhook would have delivered: a CRM or portal change event (inbox id
``{system}:{resource}/{id}@{version}``), or the FHIR resource version a Subscription notification
carries (``ehr:{type}/{id}@{versionId}``); deleted versions carry nothing and are skipped. The EHR
history is read newest first while it may grow: each next page is asked at the offset that
continues below the oldest version read so far, so a version written meanwhile shifts the pages
(read twice, skipped by id) and never opens a hole.

Example::

    feed = WebhookChangeFeed("crm", Endpoint("http://crm.local", key))
    page = feed.read(feed.head())           # FeedPage(entries=(), position="42")
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from splitbrain.engine.adapters import inbound_fhir, inbound_webhooks
from splitbrain.engine.adapters.registration import SUBSCRIBED
from splitbrain.engine.adapters.sync_targets import Endpoint, tls_context
from splitbrain.engine.service_layer.sync.inbound import PoisonEventError
from splitbrain.engine.service_layer.sync.reconcile import (
    ChangeFeed,
    FeedEntry,
    FeedPage,
    FeedReadError,
)

__all__ = ["FhirHistoryFeed", "WebhookChangeFeed", "change_feeds"]


def _client(endpoint: Endpoint, timeout: float) -> httpx.Client:
    return httpx.Client(base_url=endpoint.base_url, timeout=timeout, verify=tls_context(),
                        headers={"Authorization": f"Bearer {endpoint.key}"})  # fmt: skip


def _get(http: httpx.Client, feed: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        response = http.get(path, params=params)
    except httpx.TransportError as exc:
        raise FeedReadError(f"{feed}: GET {path} failed ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise FeedReadError(f"{feed}: GET {path} answered {response.status_code}")
    body = response.json()
    if not isinstance(body, dict):
        raise FeedReadError(f"{feed}: GET {path} answered no JSON object")
    return body


def _unreadable(source: str, body: bytes) -> str:
    """The id the service gives a body it cannot name (the worker dead-letters it)."""
    return f"{source}:unreadable:{hashlib.sha256(body).hexdigest()[:24]}"


@dataclass
class WebhookChangeFeed:
    """The CRM's or the portal's ``/changes``."""

    system: str
    endpoint: Endpoint
    page: int = 500
    timeout: float = 10.0
    http: httpx.Client | None = None
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = f"{self.system}:changes"
        self.http = self.http or _client(self.endpoint, self.timeout)

    def head(self) -> str:
        return str(int(self._changes(0, 0).get("head", 0)))

    def read(self, position: str) -> FeedPage:
        since = int(position)
        body = self._changes(since, self.page)
        items = body.get("items") or []
        entries = tuple(self._entry(item["event"]) for item in items)
        last = int(items[-1]["seq"]) if items else since
        return FeedPage(entries, str(last), more=last < int(body.get("head", last)) and bool(items),
                        gap=bool(body.get("gap")))  # fmt: skip

    def close(self) -> None:
        if self.http is not None:
            self.http.close()

    def _changes(self, since: int, limit: int) -> dict[str, Any]:
        assert self.http is not None
        return _get(self.http, self.name, "/changes", {"since": since, "limit": limit})

    def _entry(self, event: Any) -> FeedEntry:
        payload = orjson.dumps(event)
        try:
            event_id = inbound_webhooks.event_id(self.system, payload)
        except PoisonEventError:
            event_id = _unreadable(self.system, payload)
        return FeedEntry(event_id, self.system, "webhook", payload)


@dataclass
class FhirHistoryFeed:
    """The EHR's ``_history`` of one resource type."""

    resource_type: str
    endpoint: Endpoint
    page: int = 200
    timeout: float = 10.0
    http: httpx.Client | None = None
    name: str = field(init=False)

    def __post_init__(self) -> None:
        self.name = f"ehr:{self.resource_type}/_history"
        self.http = self.http or _client(self.endpoint, self.timeout)

    def head(self) -> str:
        return str(int(self._history(0, 0).get("total", 0)))

    def read(self, position: str) -> FeedPage:
        seen = int(position)
        bundle = self._history(self.page, 0)
        end = int(bundle.get("total", 0))  # versions [seen, end) are to read, oldest = 0
        if end <= seen:  # nothing new (or the history was reset: start again from its end)
            return FeedPage((), str(end))
        found: dict[int, dict[str, Any]] = {}
        low, offset = end, 0
        while True:
            total = int(bundle.get("total", 0))
            entries = bundle.get("entry") or []
            for index, entry in enumerate(entries):
                at = total - 1 - (offset + index)  # its place counted from the oldest version
                if seen <= at < end and isinstance(entry.get("resource"), dict):
                    found.setdefault(at, entry["resource"])
            low = min(low, total - offset - len(entries))
            if low <= seen or not entries:
                break
            offset = total - low
            bundle = self._history(self.page, offset)
        return FeedPage(tuple(self._entry(found[at]) for at in sorted(found)), str(end))

    def close(self) -> None:
        if self.http is not None:
            self.http.close()

    def _history(self, count: int, offset: int) -> dict[str, Any]:
        assert self.http is not None
        path = f"/{self.resource_type}/_history"
        return _get(self.http, self.name, path, {"_count": count, "_offset": offset})

    def _entry(self, resource: dict[str, Any]) -> FeedEntry:
        payload = orjson.dumps(resource)
        try:
            event_id = inbound_fhir.event_id(payload)
        except PoisonEventError:
            event_id = _unreadable("ehr", payload)
        return FeedEntry(event_id, "ehr", "fhir-subscription", payload)


def change_feeds(endpoints: dict[str, Endpoint]) -> list[ChangeFeed]:
    """A feed for each system in ``endpoints``: CRM and portal ``/changes``, and the EHR's
    history of each resource type the engine subscribes to."""
    feeds: list[ChangeFeed] = []
    for system, endpoint in sorted(endpoints.items()):
        if system in ("crm", "portal"):
            feeds.append(WebhookChangeFeed(system, endpoint))
        elif system == "ehr":
            feeds.extend(FhirHistoryFeed(kind, endpoint) for kind in SUBSCRIBED)
    return feeds

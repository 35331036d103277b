"""FHIR R4 Subscriptions with the rest-hook channel, delivered by the shared webhook dispatcher.

A client POSTs a Subscription (``criteria`` such as ``Patient`` or ``Patient?identifier=s|v``,
``channel.type`` rest-hook, ``channel.endpoint``, optional ``channel.header`` and
``channel.payload``). The server moves ``requested`` to ``active`` (a new version, as HAPI does)
and from then on notifies on every create or update whose new content matches the criteria
(R4: deletes are not notified). Without a payload the notification is an empty POST to the
endpoint; with one it is a PUT of the resource to ``[endpoint]/[type]/[id]``. Deliveries are
retried and subject to the webhook faults; each attempt is a ``notify`` in the history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from urllib.parse import parse_qsl

from simulators._shared.clock import Clock
from simulators._shared.webhooks import WebhookDispatcher, WebhookEndpoint
from simulators.ehr.changes import ChangeEvent
from simulators.ehr.errors import FhirBadRequest, FhirInvalid
from simulators.ehr.resources import MODELS
from simulators.ehr.search import SearchQuery, matches, parse_query
from simulators.ehr.store import FhirStore
from simulators.ehr.versions import Version

PROCESS: Final = "ehr:subscriptions"
_ACTIVE: Final = frozenset({"requested", "active"})


@dataclass(frozen=True, slots=True)
class _Active:
    query: SearchQuery
    endpoint: str
    payload: str | None
    end: datetime | None


class SubscriptionNotifier:
    """Watches the store; keeps the dispatcher's endpoints in step with active Subscriptions."""

    def __init__(self, store: FhirStore, webhooks: WebhookDispatcher, clock: Clock) -> None:
        self._store = store
        self._webhooks = webhooks
        self._clock = clock
        self._active: dict[str, _Active] = {}
        store.add_rule("Subscription", check_subscription)
        store.on_change(self._on_change)
        store.on_reset(self.reset)

    def reset(self) -> None:
        self._active.clear()

    def _on_change(self, change: ChangeEvent) -> None:
        if change.resource_type == "Subscription":
            self._follow(change)
        elif change.kind != "delete":
            self._notify(change)

    def _follow(self, change: ChangeEvent) -> None:
        name = f"Subscription/{change.id}"
        if name in self._active:
            del self._active[name]
            self._webhooks.unregister(name)
        status = change.resource.get("status")
        if change.kind == "delete" or status not in _ACTIVE:
            return
        if status == "requested":
            body = {**change.resource, "status": "active"}
            with self._store.session(PROCESS) as session:
                session.update("Subscription", change.id, body)
            return
        channel = change.resource["channel"]
        self._webhooks.register(WebhookEndpoint(name, channel["endpoint"], _headers(channel)))
        end = change.resource.get("end")
        self._active[name] = _Active(
            parse_query(*_split_criteria(change.resource["criteria"])),
            name,
            channel.get("payload"),
            datetime.fromisoformat(end) if isinstance(end, str) else None,
        )

    def _notify(self, change: ChangeEvent) -> None:
        version = _as_version(change)
        now = self._clock.now()
        for active in list(self._active.values()):
            if active.query.resource_type != change.resource_type:
                continue
            if active.end is not None and active.end <= now:
                continue
            if not matches(active.query, version):
                continue
            self._send(active, change)

    def _send(self, active: _Active, change: ChangeEvent) -> None:
        key = f"{change.resource_type}/{change.id}"
        if active.payload is None:
            self._webhooks.publish(
                key, b"", content_type="application/fhir+json", endpoints=[active.endpoint]
            )
            return
        self._webhooks.publish(
            key,
            json.dumps(change.resource, ensure_ascii=False).encode(),
            content_type=active.payload,
            endpoints=[active.endpoint],
            method="PUT",
            path=key,
        )


def check_subscription(body: Any) -> None:
    """Business rules: rest-hook only, an endpoint, criteria this server can evaluate."""
    channel = body.get("channel") or {}
    if channel.get("type") != "rest-hook":
        raise _invalid("Subscription.channel.type", "only the rest-hook channel is supported")
    if not channel.get("endpoint"):
        raise _invalid("Subscription.channel.endpoint", "a rest-hook needs an endpoint URL")
    try:
        parse_query(*_split_criteria(str(body.get("criteria", ""))))
    except FhirBadRequest as exc:
        raise _invalid("Subscription.criteria", exc.message) from None


def _split_criteria(criteria: str) -> tuple[str, list[tuple[str, str]]]:
    resource_type, _, query = criteria.partition("?")
    if resource_type not in MODELS:
        raise FhirBadRequest(f"criteria names resource type {resource_type!r}, not served here")
    return resource_type, parse_qsl(query, keep_blank_values=True)


def _invalid(path: str, problem: str) -> FhirInvalid:
    return FhirInvalid.at(path, f"{path}: {problem}", code="business-rule")


def _headers(channel: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in channel.get("header", []):
        name, _, value = str(line).partition(":")
        if name.strip():
            headers[name.strip()] = value.strip()
    return headers


def _as_version(change: ChangeEvent) -> Version:
    stamp = change.resource.get("meta", {}).get("lastUpdated")
    return Version(
        change.resource_type,
        change.id,
        int(change.version),
        change.resource,
        datetime.fromisoformat(stamp),
        "PUT",
    )

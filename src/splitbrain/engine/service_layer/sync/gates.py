"""The sender's two questions, and the service's own figures for ``/metrics``.

- ``superseded(effect)``: after a 412 re-read, does the engine now hold a newer version of a
  field the effect carries? Then the effect is moot (the newer value is planned already).
- ``consent(effect)``: may the effect leave now? A path that needs consent is asked at the moment
  of sending, not when the effect was planned: a revocation in between stops it. So is a CRM
  consent flag being turned on: a grant delayed past a revoke never turns the flag back on.
- ``Figures``: rates the service measures itself (revocation propagation, tokenized CRM
  references, duplicate creation, audit completeness).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from splitbrain.engine.domain.consent import EnforcementPoint
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.disclosure import OutboundBuilder
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.sync.model import OutboxEffect
from splitbrain.engine.service_layer.sync.ports import SyncStore


def _body(effect: OutboxEffect) -> dict[str, Any]:
    body = json.loads(effect.body or b"{}")
    return body if isinstance(body, dict) else {}


@dataclass(slots=True)
class Figures:
    """Counters the service keeps while it runs (process-local)."""

    revocations: list[float] = field(default_factory=list)
    """Seconds from a revoke's receipt to its CRM flag being delivered."""
    crm_subjects: int = 0
    crm_tokenized: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self, effect: OutboxEffect, store: SyncStore, now: datetime) -> None:
        body = _body(effect)
        with self._lock:
            if effect.target == "crm" and body.get("op") == "update":
                self.crm_subjects += 1
                self.crm_tokenized += str(body.get("subject", "")).startswith("tok_")
            if body.get("op") == "consent" and body.get("allowed") is False:
                item = store.inbox_item(effect.event_id)
                if item is not None:
                    self.revocations.append((now - item.received_at).total_seconds())

    def tokenized_share(self) -> float:
        with self._lock:
            return self.crm_tokenized / self.crm_subjects if self.crm_subjects else 1.0

    def last_revocation(self) -> float | None:
        with self._lock:
            return self.revocations[-1] if self.revocations else None


@dataclass(slots=True)
class Gates:
    engine: Engine
    consents: ConsentService
    builder: OutboundBuilder
    figures: Figures = field(default_factory=Figures)

    def superseded(self, effect: OutboxEffect) -> bool:
        body = _body(effect)
        person = body.get("person")
        versions = body.get("versions") or {}
        if not isinstance(person, str):
            return False
        return any(
            self.engine.field(person, name).version > int(version)
            for name, version in versions.items()
        )

    def consent(self, effect: OutboxEffect) -> str | None:
        body = _body(effect)
        if body.get("op") == "consent":
            return self._flag(effect, body)
        if body.get("op") != "update":
            return None
        path = self.builder.policy.path(
            str(body.get("source")), effect.target, str(body.get("purpose"))
        )
        if path is None or path.consent is None:
            return None
        decision = self.consents.decide(
            str(body["person"]), path.consent, None, point=EnforcementPoint.REQUEST,
            correlation_id=effect.event_id,
        )  # fmt: skip
        return None if decision.permitted else f"consent {path.consent} not in force at send"

    def _flag(self, effect: OutboxEffect, body: dict[str, Any]) -> str | None:
        """A CRM consent flag turned on is asked again now: a grant whose push was delayed past
        a revoke must not turn the flag back on (a flag turned off always leaves)."""
        if body.get("allowed") is not True:
            return None
        purpose, channel = str(body.get("purpose")), str(body.get("channel"))
        decision = self.consents.decide(
            str(body["person"]), purpose, channel, point=EnforcementPoint.REQUEST,
            correlation_id=effect.event_id,
        )  # fmt: skip
        return None if decision.permitted else f"consent {purpose}/{channel} not in force at send"

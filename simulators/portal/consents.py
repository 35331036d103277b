"""Consent grants and revocations per (account, purpose, channel), versioned, with periods.

One consent record per (account, purpose, channel): a grant makes it ``active`` (with an
optional period), a revoke makes it ``revoked``, the end of its period makes it ``expired`` (on
the simulated clock). Each action is a new version (``GET /consents/{id}/versions``), a history
operation ``consent.grant`` / ``consent.revoke`` / ``consent.expire`` keyed ``Account/{id}``
with field ``PURPOSE:channel``, and a webhook ``consent.granted`` / ``.revoked`` / ``.expired``::

    book.grant(ctx, "acc-000001", {"purpose": "HMARKT", "channel": "sms"}, if_match=None)
    book.revoke(ctx, "acc-000001", {"purpose": "HMARKT", "channel": "sms"}, if_match=2)
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from simulators._shared import OpContext, PreconditionFailed, Runtime
from simulators._shared.records import OpLabel, Record, Table

__all__ = ["EXPIRY", "ConsentBook", "effective"]

Actor = OpContext | str

#: The history process of expiry by the clock.
EXPIRY = "portal-clock"


def effective(consent: Mapping[str, Any], now: datetime) -> bool:
    """Active, and inside its period (if it has one) at ``now``."""
    if consent["status"] != "active":
        return False
    period = consent.get("period") or {}
    start, end = period.get("start"), period.get("end")
    if start is not None and now < datetime.fromisoformat(start):
        return False
    return end is None or now < datetime.fromisoformat(end)


class ConsentBook:
    def __init__(
        self, *, runtime: Runtime, accounts: Table, consents: Table, lock: threading.RLock
    ) -> None:
        self._runtime = runtime
        self._accounts = accounts
        self._consents = consents
        self._lock = lock
        self._index: dict[tuple[str, str, str], str] = {}

    def grant(
        self,
        ctx: OpContext | str,
        account_id: str,
        action: Mapping[str, Any],
        *,
        if_match: int | None,
    ) -> tuple[Record, bool]:
        """Make the (purpose, channel) consent active; True when it was created."""
        now = self._runtime.clock.now().isoformat()
        fields = {
            "status": "active",
            "period": action.get("period"),
            "granted_at": now,
            "revoked_at": None,
        }
        return self._act(
            ctx, account_id, action, fields, if_match=if_match, names=("consent.grant", "granted")
        )

    def revoke(
        self,
        ctx: OpContext | str,
        account_id: str,
        action: Mapping[str, Any],
        *,
        if_match: int | None,
    ) -> tuple[Record, bool]:
        """Make the (purpose, channel) consent revoked (an explicit deny if it never existed)."""
        fields = {"status": "revoked", "revoked_at": self._runtime.clock.now().isoformat()}
        return self._act(
            ctx, account_id, action, fields, if_match=if_match, names=("consent.revoke", "revoked")
        )

    def of_account(self, account_id: str) -> list[Record]:
        return [c for c in self._consents.values() if c["account_id"] == account_id]

    def on_advance(self, before: datetime, after: datetime) -> None:
        """Expire every active consent whose period ended by ``after`` (a SimClock listener)."""
        with self._lock:
            due = [
                c
                for c in self._consents.values()
                if c["status"] == "active"
                and (c.get("period") or {}).get("end") is not None
                and datetime.fromisoformat(c["period"]["end"]) <= after
            ]
            for consent in sorted(due, key=lambda c: (c["period"]["end"], c["id"])):
                label = self._label("consent.expire", "expired", consent)
                self._consents.update(
                    EXPIRY, consent["id"], {"status": "expired"}, if_match=None, label=label
                )

    def reindex(self) -> None:
        with self._lock:
            self._index = {
                (c["account_id"], c["purpose"], c["channel"]): c["id"]
                for c in self._consents.values()
            }

    def _act(
        self,
        ctx: Actor,
        account_id: str,
        action: Mapping[str, Any],
        fields: dict[str, Any],
        *,
        if_match: int | None,
        names: tuple[str, str],
    ) -> tuple[Record, bool]:
        f, event = names
        with self._lock:
            self._accounts.require(account_id, field="account_id")
            slot = (account_id, action["purpose"], action["channel"])
            existing = self._index.get(slot)
            ident = {"account_id": account_id, "purpose": slot[1], "channel": slot[2]}
            label = self._label(f, event, ident)
            if existing is not None:
                record = self._consents.update(
                    ctx, existing, fields, if_match=if_match, label=label
                )
                return record, False
            if if_match is not None:
                self._refuse(ctx, label)
            created = self._consents.create(ctx, {**ident, "period": None, **fields}, label=label)
            self._index[slot] = created["id"]
            return created, True

    def _refuse(self, ctx: Actor, label: OpLabel) -> None:
        history = self._runtime.history
        op = history.invoke(ctx, label.f, label.key, field=label.field)
        history.fail(op, outcome="precondition_failed")
        raise PreconditionFailed(
            f"{label.key} has no consent for {label.field} yet, but If-Match was sent; drop "
            "If-Match for a first grant or revoke"
        )

    def _label(self, f: str, event: str, consent: Mapping[str, Any]) -> OpLabel:
        field = f"{consent['purpose']}:{consent['channel']}"
        return OpLabel(f, self._accounts.key(consent["account_id"]), field, event)

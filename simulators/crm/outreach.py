"""Outreach: campaign automation on the simulated clock, manual sends, and the send log.

A send goes out only when the contact's *local* consent flag for (purpose, channel) is true and
the contact has an address on that channel. The automation filters its audience by those flags;
a manual send the flags deny is refused (409) and logged as refused. Every attempt is a
``send_message`` operation in the history (key ``Contact/id``, field ``PURPOSE:channel``) and a
row in the send log::

    outreach.on_advance(before, after)       # wired to SimClock.on_advance: runs due campaigns
    outreach.log(contact_id="con-000001")    # [{"message_id": "msg-000001", ...}]

Missed ticks are coalesced: a clock jump over three ticks runs a campaign once, at the new now
(the "fire once now" misfire policy), then schedules the first tick after it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from simulators._shared import OpContext, Runtime
from simulators._shared.change_events import ChangeEvents
from simulators._shared.errors import InvalidField
from simulators._shared.records import Record, Table
from simulators.crm.errors import ConsentDenied

__all__ = ["AUTOMATION", "Outreach", "consent_allows"]

#: The history process of the campaign automation.
AUTOMATION = "crm-automation"
_ADDRESS_FIELD = {"sms": "phone", "email": "email"}


def consent_allows(contact: Mapping[str, Any], purpose: str, channel: str) -> bool:
    """The contact's local flag for (purpose, channel); absent means denied."""
    flags = contact.get("consents") or {}
    return (flags.get(purpose) or {}).get(channel) is True


class Outreach:
    def __init__(
        self,
        *,
        runtime: Runtime,
        contacts: Table,
        campaigns: Table,
        events: ChangeEvents,
        lock: threading.RLock,
    ) -> None:
        self._runtime = runtime
        self._contacts = contacts
        self._campaigns = campaigns
        self._events = events
        self._lock = lock
        self._sends: list[Record] = []
        self._ids = itertools.count(1)
        self._next: dict[str, datetime] = {}
        self._last: dict[str, Record] = {}
        self._delivered: set[tuple[str, str]] = set()

    # -- manual sends ---------------------------------------------------------------------

    def send(self, ctx: OpContext, request: Mapping[str, Any]) -> Record:
        """Send one message now; a denied flag or a missing address raises after logging."""
        with self._lock:
            contact = self._contacts.require(request["contact_id"], field="contact_id")
            campaign_id = request.get("campaign_id")
            if campaign_id is not None:
                self._campaigns.require(campaign_id, field="campaign_id")
            entry = self._attempt(ctx, contact, request["channel"], request["purpose"], campaign_id)
        self._raise_if_refused(entry)
        return entry

    def log(self, **where: str | None) -> list[Record]:
        """The send log in send order, filtered by equal fields (``contact_id=...``)."""
        wanted = {k: v for k, v in where.items() if v is not None}
        return [dict(s) for s in self._sends if all(s.get(k) == v for k, v in wanted.items())]

    # -- campaigns ------------------------------------------------------------------------

    def schedule(self, campaign: Mapping[str, Any]) -> None:
        """(Re)compute a campaign's next run after a create or an update."""
        with self._lock:
            if not campaign.get("active", True):
                self._next.pop(campaign["id"], None)
                return
            after = self._runtime.clock.now()
            self._next[campaign["id"]] = _tick_after(campaign, after, first=True)

    def unschedule(self, campaign_id: str) -> None:
        with self._lock:
            self._next.pop(campaign_id, None)

    def status(self, campaign_id: str) -> dict[str, Any]:
        """The schedule of a campaign: next run and the last run's counts."""
        upcoming = self._next.get(campaign_id)
        return {
            "next_run_at": None if upcoming is None else upcoming.isoformat(),
            "last_run": self._last.get(campaign_id),
        }

    def on_advance(self, before: datetime, after: datetime) -> None:
        """Run every campaign whose next tick is due by ``after`` (a SimClock listener)."""
        with self._lock:
            due = sorted((at, cid) for cid, at in self._next.items() if at <= after)
            for _, campaign_id in due:
                campaign = self._campaigns.peek(campaign_id)
                if campaign is None:
                    self._next.pop(campaign_id, None)
                    continue
                self._run(campaign, after)
                self._next[campaign_id] = _tick_after(campaign, after, first=False)

    def reset(self) -> None:
        with self._lock:
            self._sends.clear()
            self._next.clear()
            self._last.clear()
            self._delivered.clear()
            self._ids = itertools.count(1)

    def _run(self, campaign: Record, now: datetime) -> None:
        purpose, channel = campaign["purpose"], campaign["channel"]
        members = set(campaign.get("member_ids") or ())
        sent = skipped = 0
        for contact in self._contacts.values():
            if contact.get("campaign") != campaign["name"] and contact["id"] not in members:
                continue
            if campaign.get("once_per_contact", True) and (
                (campaign["id"], contact["id"]) in self._delivered
            ):
                continue
            if consent_allows(contact, purpose, channel) and _address(contact, channel):
                self._attempt(AUTOMATION, contact, channel, purpose, campaign["id"])
                sent += 1
            else:
                skipped += 1
        self._last[campaign["id"]] = {"at": now.isoformat(), "sent": sent, "skipped": skipped}

    # -- one attempt ----------------------------------------------------------------------

    def _attempt(
        self,
        ctx: OpContext | str,
        contact: Record,
        channel: str,
        purpose: str,
        campaign_id: str | None,
    ) -> Record:
        history = self._runtime.history
        key = self._contacts.key(contact["id"])
        op = history.invoke(
            ctx,
            "send_message",
            key,
            field=f"{purpose}:{channel}",
            base_version=str(contact["version"]),
        )
        reason = self._refusal(contact, purpose, channel)
        entry: Record = {
            "message_id": f"msg-{next(self._ids):06d}",
            "contact_id": contact["id"],
            "channel": channel,
            "purpose": purpose,
            "campaign_id": campaign_id,
            "sent_at": self._runtime.clock.now().isoformat(),
            "status": "sent" if reason is None else "refused",
            "reason": reason,
            "process": ctx if isinstance(ctx, str) else ctx.process,
            "history_op": op,
        }
        self._sends.append(entry)
        if reason is None:
            history.ok(op, outcome="sent")
            if campaign_id is not None:
                self._delivered.add((campaign_id, contact["id"]))
        else:
            history.fail(op, outcome=reason)
        self._events.publish(key, {"type": f"message.{entry['status']}", **entry})
        return dict(entry)

    def _refusal(self, contact: Record, purpose: str, channel: str) -> str | None:
        if not consent_allows(contact, purpose, channel):
            return "consent_denied"
        return None if _address(contact, channel) else "no_address"

    def _raise_if_refused(self, entry: Record) -> None:
        where = f"Contact/{entry['contact_id']}"
        if entry["reason"] == "consent_denied":
            field = f"consents.{entry['purpose']}.{entry['channel']}"
            raise ConsentDenied(
                field,
                f"{where}: the local consent flag {field} does not allow this send (refused "
                f"and logged as {entry['message_id']}); the person must consent first",
            )
        if entry["reason"] == "no_address":
            field = _ADDRESS_FIELD[entry["channel"]]
            raise InvalidField(
                field,
                f"{where} has no {field} for a {entry['channel']} send (refused and logged as "
                f"{entry['message_id']}); set the contact's {field} first",
            )


def _address(contact: Mapping[str, Any], channel: str) -> bool:
    return bool(contact.get(_ADDRESS_FIELD[channel]))


def _tick_after(campaign: Mapping[str, Any], after: datetime, *, first: bool) -> datetime:
    """The first tick of the campaign's schedule later than ``after`` (or at it, if first)."""
    every = timedelta(minutes=int(campaign["every_minutes"]))
    start = campaign.get("start_at")
    anchor = (
        datetime.fromisoformat(start)
        if start
        else datetime.fromisoformat(campaign["created_at"]) + every
    )
    if anchor > after or (first and anchor == after):
        return anchor
    steps = (after - anchor) // every + 1
    return anchor + steps * every

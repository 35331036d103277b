"""The consent repositories on a SQL store: ``SqlConsents`` and ``SqlOutreachQueue``.

Written once in portable SQL (``adapters.sql_port``) and used by both durable stores, on the
store's one connection and inside its unit of work (they never commit): SQLite as they are
(``sqlite_consent``), PostgreSQL with row locks added (``postgres_consent``). The tables are
each store's own DDL: ``consent_versions`` (every version, never updated), ``consent_current``
(each slot's current version, with the status and period end the expiry job selects on) and
``outreach`` (messages in queue order, their state as JSON).

Times are integer microseconds since the epoch (UTC), as in ``sqlite_schema``.

Example::

    consents = SqlConsents(conn)
    consents.add(consent)
    consents.current("tok_ana", "HMARKT", "sms")
"""

from __future__ import annotations

import json
from datetime import datetime

from splitbrain.engine.adapters.sql_port import Sql
from splitbrain.engine.adapters.sqlite_schema import from_micros, micros
from splitbrain.engine.domain.consent import (
    Consent,
    ConsentStatus,
    OutreachStatus,
    Period,
    QueuedMessage,
)
from splitbrain.engine.service_layer.consent_ports import ConsentRepository, OutreachQueue

__all__ = ["SqlConsents", "SqlOutreachQueue"]

_COLUMNS = (
    "v.ref, v.version, v.person, v.purpose, v.channel, v.status, v.period_start, v.period_end, "
    "v.recorded_at, v.policy_version, v.actors"
)
_CURRENT = (
    f"SELECT {_COLUMNS} FROM consent_current c "
    "JOIN consent_versions v ON v.ref = c.ref AND v.version = c.version "
)
_ADD_VERSION = (
    "INSERT INTO consent_versions (ref, version, person, purpose, channel, status, period_start, "
    "period_end, recorded_at, policy_version, actors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SET_CURRENT = (
    "INSERT INTO consent_current (person, purpose, channel, ref, version, status, period_end) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person, purpose, channel) DO UPDATE SET "
    "ref = excluded.ref, version = excluded.version, status = excluded.status, "
    "period_end = excluded.period_end"
)
_PUT_MESSAGE = (
    "INSERT INTO outreach (message_id, status, body) VALUES (?, ?, ?) "
    "ON CONFLICT (message_id) DO UPDATE SET status = excluded.status, body = excluded.body"
)


class SqlConsents(ConsentRepository):
    """Consent versions and current slots. A store that shares its tables between processes
    sets the two locking suffixes (SQLite has one writer and leaves them empty)."""

    _lock_slot = ""
    """Appended to the query ``current()`` runs before a change (e.g. ``FOR UPDATE OF c``)."""
    _claim_due = ""
    """Appended to the expiry job's query (e.g. ``FOR UPDATE OF c SKIP LOCKED``)."""

    def __init__(self, conn: Sql) -> None:
        self._conn = conn

    def current(self, person: str, purpose: str, channel: str) -> Consent | None:
        where = "WHERE c.person = ? AND c.purpose = ? AND c.channel = ?" + self._lock_slot
        row = self._conn.execute(_CURRENT + where, (person, purpose, channel)).fetchone()
        return None if row is None else _consent(row)

    def of_person(self, person: str) -> list[Consent]:
        where = "WHERE c.person = ? ORDER BY c.purpose, c.channel"
        return [_consent(row) for row in self._conn.execute(_CURRENT + where, (person,))]

    def add(self, consent: Consent) -> None:
        period = consent.period
        end = None if period.end is None else micros(period.end)
        self._conn.execute(
            _ADD_VERSION,
            (
                consent.ref, consent.version, consent.person, consent.purpose, consent.channel,
                consent.status.value, None if period.start is None else micros(period.start),
                end, micros(consent.recorded_at), consent.policy_version,
                json.dumps(list(consent.actors)),
            ),
        )  # fmt: skip
        self._conn.execute(
            _SET_CURRENT,
            (
                consent.person, consent.purpose, consent.channel, consent.ref, consent.version,
                consent.status.value, end,
            ),
        )  # fmt: skip

    def history(self, ref: str) -> list[Consent]:
        sql = f"SELECT {_COLUMNS} FROM consent_versions v WHERE v.ref = ? ORDER BY v.version"
        return [_consent(row) for row in self._conn.execute(sql, (ref,))]

    def due(self, at: datetime) -> list[Consent]:
        where = (
            "WHERE c.status = 'active' AND c.period_end IS NOT NULL AND c.period_end <= ? "
            "ORDER BY c.period_end, c.ref"
        ) + self._claim_due
        return [_consent(row) for row in self._conn.execute(_CURRENT + where, (micros(at),))]

    def persons(self) -> list[str]:
        sql = "SELECT DISTINCT person FROM consent_current ORDER BY person"
        return [row[0] for row in self._conn.execute(sql)]


class SqlOutreachQueue(OutreachQueue):
    _lock_message = ""
    """Appended to ``find()``'s query by a store shared between processes (``FOR UPDATE``)."""

    def __init__(self, conn: Sql) -> None:
        self._conn = conn

    def find(self, message_id: str) -> QueuedMessage | None:
        sql = "SELECT body FROM outreach WHERE message_id = ?" + self._lock_message
        row = self._conn.execute(sql, (message_id,)).fetchone()
        return None if row is None else _message(row[0])

    def put(self, message: QueuedMessage) -> None:
        body = json.dumps(_message_record(message), separators=(",", ":"))
        self._conn.execute(_PUT_MESSAGE, (message.message_id, message.status.value, body))

    def list(self, status: OutreachStatus | None = None) -> list[QueuedMessage]:
        if status is None:
            rows = self._conn.execute("SELECT body FROM outreach ORDER BY seq")
        else:
            sql = "SELECT body FROM outreach WHERE status = ? ORDER BY seq"
            rows = self._conn.execute(sql, (status.value,))
        return [_message(row[0]) for row in rows]


def _consent(row: tuple[object, ...]) -> Consent:
    ref, version, person, purpose, channel, status, start, end, recorded, policy, actors = row
    return Consent(
        ref=str(ref),
        person=str(person),
        purpose=str(purpose),
        channel=str(channel),
        status=ConsentStatus(str(status)),
        version=int(str(version)),
        period=Period(_instant(start), _instant(end)),
        recorded_at=from_micros(int(str(recorded))),
        policy_version=str(policy),
        actors=tuple(json.loads(str(actors))),
    )


def _instant(value: object) -> datetime | None:
    return None if value is None else from_micros(int(str(value)))


def _message_record(message: QueuedMessage) -> dict[str, object]:
    return {
        "message_id": message.message_id,
        "person": message.person,
        "purpose": message.purpose,
        "channel": message.channel,
        "queued_at": micros(message.queued_at),
        "queued_under_ref": message.queued_under_ref,
        "queued_under_version": message.queued_under_version,
        "status": message.status.value,
        "decided_at": None if message.decided_at is None else micros(message.decided_at),
        "decided_version": message.decided_version,
        "reason": message.reason,
    }


def _message(body: str) -> QueuedMessage:
    data = json.loads(body)
    return QueuedMessage(
        message_id=data["message_id"],
        person=data["person"],
        purpose=data["purpose"],
        channel=data["channel"],
        queued_at=from_micros(data["queued_at"]),
        queued_under_ref=data["queued_under_ref"],
        queued_under_version=data["queued_under_version"],
        status=OutreachStatus(data["status"]),
        decided_at=_instant(data["decided_at"]),
        decided_version=data["decided_version"],
        reason=data["reason"],
    )

"""Consent on PostgreSQL: the shared ``consent_tables`` repositories, with row locks.

The tables are SQLite's consent block in PostgreSQL's types (``postgres_ddl``); the queries are
the shared ones. What several engine processes add:

- a change to a slot (grant, revoke) reads the slot's current version with ``SELECT ... FOR
  UPDATE OF c`` on ``consent_current``, so two processes changing one slot serialize and the
  second builds on the first's version (never two "version 2"). A slot with no row yet is
  locked by an advisory lock on (person, purpose, channel) before it is read again;
- the expiry job claims due slots with ``FOR UPDATE OF c SKIP LOCKED``: two expiry workers
  split the due slots between them instead of expiring one twice, and a slot being changed
  right now is left for the next run;
- an outreach message is read ``FOR UPDATE`` (an unknown id under an advisory lock on the
  id), so a message is queued once and sent or blocked once.

Example::

    consents = PostgresConsents(conn)
    consents.current("tok_ana", "HMARKT", "sms")     # locked until the unit of work ends
"""

from __future__ import annotations

from splitbrain.engine.adapters.consent_tables import SqlConsents, SqlOutreachQueue
from splitbrain.engine.adapters.postgres_connection import PgConnection, postgres_ddl
from splitbrain.engine.adapters.sqlite_consent import CONSENT_TABLES as SQLITE_CONSENT_TABLES
from splitbrain.engine.domain.consent import Consent, QueuedMessage

__all__ = [
    "CONSENT_SCHEMA_VERSION",
    "CONSENT_TABLES",
    "PostgresConsents",
    "PostgresOutreachQueue",
]

CONSENT_SCHEMA_VERSION = 1
CONSENT_TABLES = tuple(postgres_ddl(statement) for statement in SQLITE_CONSENT_TABLES)


class PostgresConsents(SqlConsents):
    _lock_slot = " FOR UPDATE OF c"
    _claim_due = " FOR UPDATE OF c SKIP LOCKED"

    def __init__(self, conn: PgConnection) -> None:
        super().__init__(conn)
        self._pg = conn

    def current(self, person: str, purpose: str, channel: str) -> Consent | None:
        found = super().current(person, purpose, channel)
        if found is None:  # no row to lock yet: serialize on the slot's name, then look again
            self._pg.lock("consent-slot", person, purpose, channel)
            found = super().current(person, purpose, channel)
        return found


class PostgresOutreachQueue(SqlOutreachQueue):
    _lock_message = " FOR UPDATE"

    def __init__(self, conn: PgConnection) -> None:
        super().__init__(conn)
        self._pg = conn

    def find(self, message_id: str) -> QueuedMessage | None:
        found = super().find(message_id)
        if found is None:
            self._pg.lock("outreach", message_id)
            found = super().find(message_id)
        return found

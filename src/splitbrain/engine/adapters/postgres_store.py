"""The PostgreSQL store: one engine state shared by several engine processes (DESIGN §10).

The same unit of work as the SQLite store (field states, the decision log and idempotency
keys, the conflict queue, consents and outreach, the identity tables and index, the audit
chain), on one psycopg 3 connection per process, in one schema (``postgres_schema``). Each
unit of work is one transaction at READ COMMITTED: BEGIN at ``with uow:``, COMMIT at
``commit()``; a decision and its audit entry commit together, and an audit failure rolls the
decision back (fail closed). ``synchronous="FULL"``: a committed command survives a server
crash; ``"NORMAL"`` (``synchronous_commit=off``): the last commits may be lost on a server
crash, never part of one.

What is locked, and why (several processes, on several machines, one store):

- **The audit tail** (``postgres_audit``): ``SELECT ... FOR UPDATE`` on the one-row
  ``audit_head``, from a command's first audit entry to its commit. The chain has one tail, so
  appends serialize and two processes never chain onto the same entry (no fork).
- **Field states** (``postgres_repositories``): ``SELECT ... FOR UPDATE`` on each (person,
  field) a command reads, the field and the person's stage on the write path. Two processes
  deciding writes for one field serialize; the second decides on the first's version.
- **Idempotency keys**: a unique claim, ``INSERT ... ON CONFLICT DO NOTHING``, in the statement
  that logs the decision. A duplicate delivery handled by two processes at once is decided
  once; the rare claim lost to a race fails the command with ``StoreBusy`` (retry it).
- **Conflict items, consent slots, outreach messages, persons**: read ``FOR UPDATE``; where no
  row exists yet (a slot never granted, an id not yet allocated, a record never linked), a
  transaction-scoped advisory lock on its name stands in for the row lock.

Locks are taken in a fixed order on the write path (fields in name order, then the audit tail),
so ingests do not deadlock; other commands may, rarely, and the server breaks the cycle:
``StoreBusy`` (``service_layer.errors``) says the command was rolled back whole and may be run
again as is. Only ``batch_size=1``: a batch would hold the audit tail across many commands and
stall every other process.

Audit checkpoints and keys are files in an audit directory on the engine's host (default
``$XDG_STATE_HOME/splitbrain/postgres/<host>-<port>-<db>-<schema>``, or ``~/.local/state/...``):
``checkpoints.jsonl`` (signed, appended, fsynced: apart from the database, so a truncated or
recomputed chain is caught even by whoever can write the database) and ``keys.json`` (mode
0600). Every process of one store needs the same keys: copy ``keys.json`` to each host; the
store refuses other keys at open (``audit_keys`` holds the key ids). Each host appends its own
checkpoints; ``splitbrain audit verify postgresql://...`` checks them (``--checkpoints``,
``--key-file`` for files kept elsewhere).

Example::

    uow = open_postgres_store("postgresql://engine@db1/splitbrain", keys=None, audit_dir=None)
    ...
    uow.close()
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from psycopg.conninfo import conninfo_to_dict

from splitbrain.engine.adapters.audit_files import JsonlCheckpointStore, load_or_create_keys
from splitbrain.engine.adapters.consent_flags import InMemoryConsentFlags
from splitbrain.engine.adapters.postgres_audit import PostgresAuditLog, bind_keys
from splitbrain.engine.adapters.postgres_connection import PgConnection
from splitbrain.engine.adapters.postgres_consent import PostgresConsents, PostgresOutreachQueue
from splitbrain.engine.adapters.postgres_identity import postgres_identity_store
from splitbrain.engine.adapters.postgres_repositories import (
    PostgresConflictQueue,
    PostgresDecisionLog,
    PostgresFieldStates,
)
from splitbrain.engine.adapters.postgres_schema import drop_schema, ensure_schema
from splitbrain.engine.domain.audit import AuditKeys
from splitbrain.engine.domain.audit.sink import DEFAULT_CHECKPOINT_EVERY
from splitbrain.engine.service_layer.errors import StoreClosed
from splitbrain.engine.service_layer.unit_of_work import AbstractUnitOfWork

__all__ = [
    "DEFAULT_SCHEMA",
    "POSTGRES_PREFIXES",
    "PostgresUnitOfWork",
    "audit_files",
    "default_audit_dir",
    "drop_store",
    "open_postgres_store",
]

DEFAULT_SCHEMA = "splitbrain"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")
Synchronous = Literal["FULL", "NORMAL"]
_TABLES = frozenset(
    {"field_state", "decisions", "idempotency_keys", "conflicts", "audit_log", "identity_records"}
)


class PostgresUnitOfWork(AbstractUnitOfWork):
    """Units of work over one PostgreSQL schema; see the module docstring for what is locked."""

    audit: PostgresAuditLog
    fields: PostgresFieldStates
    decisions: PostgresDecisionLog

    def __init__(self, conn: PgConnection, audit: PostgresAuditLog) -> None:
        super().__init__()
        self.conn = conn
        self.fields = PostgresFieldStates(conn)
        self.decisions = PostgresDecisionLog(conn)
        self.conflicts = PostgresConflictQueue(conn)
        self.consents = PostgresConsents(conn)
        self.outreach = PostgresOutreachQueue(conn)
        self.consent_flags = InMemoryConsentFlags()
        self.identity = postgres_identity_store(conn)
        self.audit = audit
        self._closed = False

    @classmethod
    def open(
        cls,
        dsn: str,
        keys: AuditKeys,
        *,
        checkpoints: Path,
        schema: str = DEFAULT_SCHEMA,
        synchronous: Synchronous = "FULL",
        checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    ) -> PostgresUnitOfWork:
        """Connect, create or check the schema, and check ``keys`` against the store's.

        ``checkpoints`` is this host's checkpoint file (created at the first checkpoint).
        """
        conn = PgConnection.connect(dsn, schema=schema, synchronous_commit=synchronous == "FULL")
        try:
            ensure_schema(conn, schema)
            bind_keys(conn, keys)
            store = JsonlCheckpointStore(checkpoints)
            audit = PostgresAuditLog(conn, store, keys, checkpoint_every=checkpoint_every)
        except BaseException:
            conn.close()
            raise
        return cls(conn, audit)

    @property
    def label(self) -> str:
        """The store's DSN without its password."""
        return self.conn.label

    def _begin(self) -> None:
        if self._closed:
            raise StoreClosed(self.label)
        self.conn.begin()

    def _commit(self) -> None:
        try:
            self.conn.commit()
        except BaseException:
            self._forget()
            raise
        self._forget(committed=True)
        self.audit.checkpoint_if_due()

    def _rollback(self) -> None:
        self._forget()
        self.conn.rollback()

    def _forget(self, *, committed: bool = False) -> None:
        self.fields.forget()
        self.decisions.forget()
        self.audit.forget_head(committed=committed)

    def flush(self) -> None:
        """Every unit is committed at once: only checkpoint the audit log if due."""
        if not self._closed:
            self.audit.checkpoint_if_due()

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        self.audit.checkpoint()
        self._closed = True
        self.conn.close()

    def rows_in(self, table: str) -> int:
        """Row count of one of the store's tables (for benchmarks and tests)."""
        if table not in _TABLES:
            raise ValueError(f"unknown table {table!r}; one of {sorted(_TABLES)}")
        row = self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        return 0 if row is None else int(row[0])


def open_postgres_store(
    dsn: str,
    *,
    keys: AuditKeys | None = None,
    audit_dir: Path | None = None,
    fresh: bool = False,
    schema: str = DEFAULT_SCHEMA,
    synchronous: Synchronous = "FULL",
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    batch_size: int = 1,
) -> PostgresUnitOfWork:
    """What ``bootstrap(store="postgresql://...")`` opens: the store, with its audit files in
    ``audit_dir`` (default ``default_audit_dir(dsn, schema)``); ``keys`` default to the keys
    file there (created at first use). ``fresh`` drops the schema and this host's checkpoint
    file first, keeping the keys."""
    if batch_size != 1:
        raise ValueError(
            f"batch_size={batch_size}: the PostgreSQL store commits every command (a batch "
            "would hold the audit tail and stall the other engine processes); use 1"
        )
    directory = audit_dir or default_audit_dir(dsn, schema)
    directory.mkdir(parents=True, exist_ok=True)
    checkpoints, keys_file = audit_files(directory)
    if fresh:
        drop_store(dsn, schema)
        checkpoints.unlink(missing_ok=True)
    return PostgresUnitOfWork.open(
        dsn,
        keys or load_or_create_keys(keys_file),
        checkpoints=checkpoints,
        schema=schema,
        synchronous=synchronous,
        checkpoint_every=checkpoint_every,
    )


def drop_store(dsn: str, schema: str = DEFAULT_SCHEMA) -> None:
    """Drop the store's schema with every table in it (stop its engine processes first)."""
    conn = PgConnection.connect(dsn, schema=schema)
    try:
        drop_schema(conn, schema)
    finally:
        conn.close()


def audit_files(audit_dir: Path) -> tuple[Path, Path]:
    """``(checkpoint file, keys file)`` in a PostgreSQL store's audit directory."""
    return audit_dir / "checkpoints.jsonl", audit_dir / "keys.json"


def default_audit_dir(dsn: str, schema: str = DEFAULT_SCHEMA) -> Path:
    """Where a store's audit files live on this host unless told otherwise."""
    params = conninfo_to_dict(dsn)
    parts = (
        params.get("host") or "localhost",
        params.get("port") or "5432",
        params.get("dbname") or params.get("user") or "postgres",
        schema,
    )
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(str(p) for p in parts)).strip("_")
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "splitbrain" / "postgres" / slug

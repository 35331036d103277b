"""The audit chain on PostgreSQL, inside the store's transactions (DESIGN §7).

``PostgresAuditLog`` writes to ``audit_log`` on the unit of work's connection and never
commits: a decision and its audit entry commit together, and an append that fails raises
``AuditWriteError`` so the decision fails with it (fail closed).

**One tail, several processes.** The chain has one head: entry n+1 carries the hash of entry n.
``audit_head`` is a one-row table holding the head's (seq, hash). The first append of a
transaction reads it with ``SELECT ... FOR UPDATE``, which holds the tail until COMMIT or
ROLLBACK: another process's append waits there, then reads the head this one committed. Two
processes therefore never chain onto the same entry (the chain cannot fork), and a rolled-back
command gives its seq back. Each append then writes the entry and moves the head in one
statement. The tail is the store's one global serialization point: it is taken as late as
possible (at the first audit entry, after the command's row locks), and held only until the
commit.

Checkpoints are files (``JsonlCheckpointStore``), apart from the database as DESIGN §7 asks:
whoever can rewrite the database still cannot rewrite a checkpoint kept on the engine's host.
Each host appends its own; ``verify`` checks any set of them. ``audit_keys`` records the ids
(never the bytes) of the keys the chain was started with, so a process holding other keys is
refused at open instead of writing fingerprints nobody else can match.

Triggers refuse UPDATE, DELETE and TRUNCATE on ``audit_log`` (an accident guard; the chain and
the checkpoints are what detect a deliberate edit).

Example::

    log = PostgresAuditLog(conn, JsonlCheckpointStore(path), keys)
    conn.begin(); store_decision(...); log.append(event); conn.commit()
    log.checkpoint_if_due()                      # after the commit
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from splitbrain.engine.adapters.audit_files import write_jsonl
from splitbrain.engine.adapters.postgres_connection import PgConnection
from splitbrain.engine.domain.audit import (
    GENESIS_HASH,
    HASH_VERSION,
    AuditChainError,
    AuditEntry,
    AuditEvent,
    AuditKeyError,
    AuditKeys,
    AuditSink,
    AuditStateError,
    AuditWriteError,
    Checkpoint,
    CheckpointStore,
    Head,
    StoredEntry,
    key_id,
    stored_entry,
)
from splitbrain.engine.domain.audit.entry import hash_v1
from splitbrain.engine.domain.audit.prepared import PreparedEvent
from splitbrain.engine.domain.audit.sink import DEFAULT_CHECKPOINT_EVERY
from splitbrain.engine.service_layer.errors import StoreBusy, StoreError

__all__ = ["AUDIT_TABLES", "PostgresAuditLog", "bind_keys", "postgres_stored_entries"]

AUDIT_TABLES = (
    """CREATE TABLE audit_log (
        seq bigint PRIMARY KEY,
        hash_version integer NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        event text NOT NULL
    )""",
    """CREATE TABLE audit_head (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        seq bigint NOT NULL,
        hash text NOT NULL
    )""",
    "INSERT INTO audit_head (seq, hash) VALUES (0, '')",
    """CREATE TABLE audit_keys (
        one boolean PRIMARY KEY DEFAULT true CHECK (one),
        fingerprint_key_id text NOT NULL,
        checkpoint_key_id text NOT NULL
    )""",
    """CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse()""",
)
_TAIL = "SELECT seq, hash FROM audit_head FOR UPDATE"
_APPEND = (
    "WITH entry AS (INSERT INTO audit_log (seq, hash_version, prev_hash, hash, event) "
    "VALUES (?, ?, ?, ?, ?)) UPDATE audit_head SET seq = ?, hash = ?"
)
_HEAD = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_ALL = "SELECT seq, hash_version, prev_hash, hash, event FROM audit_log ORDER BY seq"
_AFTER = (
    "SELECT seq, hash_version, prev_hash, hash, event FROM audit_log WHERE seq > ? ORDER BY seq"
)


def postgres_stored_entries(conn: PgConnection) -> Iterator[StoredEntry]:
    """Stream every row of ``audit_log`` in seq order, events unparsed (what verify needs).

    A row of the wrong shape raises ``MalformedEntryError``; a database error, ``StoreError``.
    """
    for row in conn.stream(_ALL, ()):
        yield stored_entry(*row)


def bind_keys(conn: PgConnection, keys: AuditKeys) -> None:
    """Record the key ids at the store's first open; refuse other keys at every later one."""
    wanted = (key_id(keys.fingerprint_key), key_id(keys.checkpoint_key))
    conn.begin()
    try:
        conn.execute(
            "INSERT INTO audit_keys (fingerprint_key_id, checkpoint_key_id) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            wanted,
        )
        row = conn.execute("SELECT fingerprint_key_id, checkpoint_key_id FROM audit_keys", ())
        found = tuple(row.fetchone() or ())
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    if found != wanted:
        raise AuditKeyError(
            f"store {conn.label} keeps its audit chain under keys {found} (fingerprints, "
            f"checkpoints), but this process holds {wanted}; give every engine process of one "
            "store the same keys file (copy it from the first host)"
        )


class PostgresAuditLog(AuditSink):
    """The audit chain in ``audit_log``, inside the caller's transactions."""

    def __init__(
        self,
        conn: PgConnection,
        checkpoints: CheckpointStore,
        keys: AuditKeys,
        *,
        checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    ) -> None:
        super().__init__(checkpoints, keys, checkpoint_every=checkpoint_every)
        self.conn = conn
        self._tail: Head | None = None
        self._holds_tail = False
        self._committed = 0
        """The last seq this process committed: what ``checkpoint_if_due`` counts from."""

    def forget_head(self, *, committed: bool = False) -> None:
        """The transaction ended: the tail lock is gone, the next append takes it again."""
        if committed and self._holds_tail and self._tail is not None:
            self._committed = self._tail.seq
        self._holds_tail = False

    def checkpoint_if_due(self) -> Checkpoint | None:
        """Checkpoint when the entries this process committed since the last checkpoint reach
        ``checkpoint_every`` (no query until then; other processes count their own)."""
        self._ready_for_checkpoint()
        latest = self.checkpoints.latest()
        if self._committed - (0 if latest is None else latest.seq) < self.checkpoint_every:
            return None
        return super().checkpoint_if_due()

    def append(self, event: AuditEvent) -> AuditEntry:
        text = event.canonical_bytes().decode("utf-8")
        seq, prev, digest = self._append_text(text, event.action, event.correlation_id)
        return AuditEntry(seq=seq, event=event, prev_hash=prev, hash=digest)

    def append_prepared(self, prepared: PreparedEvent) -> None:
        if type(self).append is not PostgresAuditLog.append:  # a subclass sees every event
            self.append(prepared.event())
            return
        self._append_text(prepared.text, prepared.action, prepared.correlation_id)

    def _append_text(self, text: str, action: str, correlation: str | None) -> tuple[int, str, str]:
        """Chain the canonical ``text`` after the tail and store it: ``(seq, prev_hash, hash)``."""
        try:
            if not self._holds_tail:
                seq, hash_ = self.conn.execute(_TAIL, ()).fetchone() or (0, "")
                if seq and not _HEX64.fullmatch(hash_):
                    raise AuditChainError(f"the chain head before seq {seq + 1} has no valid hash")
                self._tail, self._holds_tail = (Head(seq, hash_) if seq else None), True
            tail = self._tail
            seq, prev = (1, GENESIS_HASH) if tail is None else (tail.seq + 1, tail.hash)
            digest = hash_v1(seq, prev, text.encode("utf-8"))
            self.conn.execute(_APPEND, (seq, HASH_VERSION, prev, digest, text, seq, digest))
        except StoreBusy:
            raise  # not the audit failing: the command fails as busy and may be run again
        except StoreError as exc:
            raise AuditWriteError(
                f"audit entry for action {action!r} (correlation {correlation}) was not stored "
                f"({exc}); the decision it records must fail with it"
            ) from exc
        self._tail = Head(seq, digest)
        return seq, prev, digest

    def head(self) -> Head | None:
        if self._holds_tail:
            return self._tail
        row = self.conn.execute(_HEAD, ()).fetchone()
        return None if row is None else Head(row[0], row[1])

    def entries(self) -> Iterator[AuditEntry]:
        return (stored.parse() for stored in postgres_stored_entries(self.conn))

    def chain_links(self) -> Iterator[StoredEntry]:
        return postgres_stored_entries(self.conn)

    def entries_after(self, seq: int) -> Iterator[AuditEntry]:
        return (stored_entry(*row).parse() for row in self.conn.stream(_AFTER, (seq,)))

    def export_jsonl(self, path: Path) -> int:
        """Write every entry to ``path`` as JSON lines; returns the count."""
        return write_jsonl(self.entries(), path)

    def _ready_for_checkpoint(self) -> None:
        if self.conn.in_transaction:
            raise AuditStateError(
                "checkpoint requested while the audit connection has an open transaction; "
                "commit first, then call checkpoint() or checkpoint_if_due()"
            )

    def _durable_before_checkpoint(self) -> None:
        # With synchronous_commit off (the served engine), a commit returns before its WAL is
        # flushed. One synchronous commit that writes a commit record (txid_current assigns a
        # transaction id) waits for the WAL up to itself, so every earlier entry is on disk.
        self.conn.begin()
        try:
            self.conn.execute("SET LOCAL synchronous_commit = on")
            self.conn.execute("SELECT txid_current()")
        except BaseException:
            self.conn.rollback()
            raise
        self.conn.commit()

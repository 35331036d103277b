"""The SQLite store's decision log: every decision in order, and idempotency claims.

Rows go to the store's write buffer (``sqlite_buffer``) and reach SQL when the batch commits; a
decision that claims its key carries the claim in its own row (``claimed``, schema version 2 in
``sqlite_schema``). Claims made by the open batch are answered from memory, so a redelivery
inside the batch is still a duplicate; a key no claim ever had is told apart without a query by
a Bloom filter of every claimed key (``key_filter``). The filter is built once from the table;
when another connection committed since (``others_wrote``) it catches up with the keys of the
decisions logged after the last seq it covers (a rowid range: decisions are append-only and
every claim is a decision's key), and it is built again only after a lost transaction, a purge
or when full. ``write``, ``purge_keys`` and ``rows`` read SQL, so they have the store write the
buffer first (``spill``). Decision seqs are counted here: the store holds the write lock for the
whole batch, so nobody else adds decisions meanwhile.

Example::

    log = SqliteDecisionLog(conn, buffer, spill=uow.spill)
    log.add(decision, now)                 # buffered
    log.first(decision.write.idempotency_key) is decision
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime

from splitbrain.engine.adapters.key_filter import KeyFilter
from splitbrain.engine.adapters.sqlite_buffer import WriteBuffer
from splitbrain.engine.adapters.sqlite_schema import from_micros, micros
from splitbrain.engine.adapters.store_records import dump_decision, load_decision
from splitbrain.engine.domain.decisions import Decision, DuplicateDelivery
from splitbrain.engine.domain.write import Write
from splitbrain.engine.service_layer.unit_of_work import (
    DecisionLog,
    DecisionRow,
    FirstDecision,
    decision_facts,
)

Spill = Callable[[], None]
"""Writes the buffered rows to SQL now (``SqliteUnitOfWork.spill``)."""

_FIRST = "SELECT body FROM decisions WHERE idempotency_key = ? AND claimed IS NOT NULL"
_CLAIMED = "SELECT 1 FROM decisions WHERE idempotency_key = ? AND claimed IS NOT NULL"
_COUNT_KEYS = "SELECT count(*) FROM decisions WHERE claimed IS NOT NULL"
_KEYS = "SELECT idempotency_key FROM decisions WHERE claimed IS NOT NULL"
_KEYS_AFTER = "SELECT seq, idempotency_key FROM decisions WHERE seq > ? ORDER BY seq"
_LAST_SEQ = "SELECT coalesce(max(seq), 0) FROM decisions"
_WRITE = "SELECT body FROM decisions WHERE idempotency_key = ? ORDER BY seq LIMIT 1"
"""Unindexed on purpose (an index would cost every decision): only for purged keys."""
_PURGE = "UPDATE decisions SET claimed = NULL WHERE claimed IS NOT NULL AND decided_at < ?"
"""A scan of the log (no index on ``decided_at``: it would cost every decision); maintenance."""
_KEPT_CLAIMS = 16_384
"""Claims kept in memory past their batch (then dropped at once, at a commit)."""
_ROWS = "SELECT kind, field, rule, reason, manual, override, decided_at FROM decisions ORDER BY seq"


class SqliteDecisionLog(DecisionLog):
    """The decision log: rows and claims go to the write buffer; claims of the open batch (and
    the latest before it) are answered from memory, and the next decision seq is counted here
    (the store holds the write lock for the whole batch, so nobody else adds decisions
    meanwhile)."""

    def __init__(self, conn: sqlite3.Connection, buffer: WriteBuffer, spill: Spill) -> None:
        self._conn = conn
        self._cursor = conn.cursor()
        self._decisions = buffer.decisions
        self._spill = spill
        self._claimed: dict[str, FirstDecision] = {}
        """Keys claimed by the open batch (written to SQL or not yet), and by the batches before
        it while no other connection wrote (at most about ``_KEPT_CLAIMS``): a redelivery soon
        after its first delivery is answered without a query."""
        self._unclaimed: set[str] = set()
        """Keys SQL had no claim for when this batch asked (each write asks before it adds)."""
        self._unit_keys: list[str] = []
        self._seq: int | None = None
        """The last decision seq handed out; None: ask SQL."""
        self._unit_seq: int | None = None
        self._filter: KeyFilter | None = None
        """Every key claimed in SQL or in the open batch (None: build it from the table)."""
        self._covered = 0
        """The filter holds the key of every decision up to this seq."""
        self._behind = False
        """Another connection may have logged decisions past ``_covered``: catch up first."""
        self._at: tuple[datetime | None, int] = (None, 0)
        """The last decision time and its microseconds (one tuple: replaced at once)."""

    def forget(self) -> None:
        """Drop every cache (a lost transaction: the filter may hold what SQL does not)."""
        self.others_wrote()
        self._filter = None

    def others_wrote(self) -> None:
        """Another connection committed since this one last looked (``PRAGMA data_version``),
        between batches: the filter is kept and catches up with their keys when next asked."""
        self._claimed.clear()
        self._unclaimed.clear()
        self._unit_keys.clear()
        self._seq = None
        self._behind = True

    def end_batch(self) -> None:
        """The batch committed: its claims are in SQL, where ``first`` finds them (the latest
        are kept in memory too, up to a bound)."""
        if len(self._claimed) > _KEPT_CLAIMS:
            self._claimed.clear()
        self._unclaimed.clear()
        if self._filter is not None:
            if self._filter.full:
                self._filter = None  # built again, larger, from the table when next asked
            elif self._seq is not None and not self._behind:
                self._covered = max(self._covered, self._seq)  # every seq so far was ours

    def begin_unit(self) -> None:
        self._unit_keys.clear()
        self._unit_seq = self._seq

    def drop_unit(self) -> None:
        """Undo the open unit's claims and seqs (its rows leave the buffer with it)."""
        for key in self._unit_keys:
            self._claimed.pop(key, None)
        self._unit_keys.clear()
        self._seq = self._unit_seq

    def first(self, idempotency_key: str) -> FirstDecision | None:
        claimed = self._claimed.get(idempotency_key)
        if claimed is not None:
            return claimed
        seen = self._filter
        if seen is None:
            seen = self._filter = self._build_filter()
        elif self._behind:
            self._catch_up(seen)
        if idempotency_key not in seen:  # surely never claimed: no query
            self._unclaimed.add(idempotency_key)
            return None
        row = self._cursor.execute(_FIRST, (idempotency_key,)).fetchone()
        if row is None:
            self._unclaimed.add(idempotency_key)
            return None
        decision = load_decision(row[0])
        return decision.first if isinstance(decision, DuplicateDelivery) else decision

    def write(self, idempotency_key: str) -> Write | None:
        first = self.first(idempotency_key)
        if first is not None:
            return first.write
        self._spill()  # a purged key: scan the log, the open batch's rows included
        row = self._conn.execute(_WRITE, (idempotency_key,)).fetchone()
        return None if row is None else load_decision(row[0]).write

    def add(self, decision: Decision, decided_at: datetime) -> None:
        kind, rule, reason, manual, override = decision_facts(decision)
        write, last = decision.write, self._at
        if last[0] is decided_at:  # one ``now`` per command, often one per batch
            at = last[1]
        else:
            at = micros(decided_at)
            self._at = (decided_at, at)
        key = write.idempotency_key
        seq = (self._last_seq() if self._seq is None else self._seq) + 1
        self._seq = seq
        first = None if isinstance(decision, DuplicateDelivery) else decision
        claims = (
            first is not None
            and key not in self._claimed
            and (key in self._unclaimed or self._unclaimed_in_sql(key))
        )
        self._decisions.append(
            (
                seq,
                key,
                kind,
                write.person,
                write.field,
                rule,
                reason,
                1 if manual else 0,  # an int: SQLite binds a bool through its adapter lookup
                1 if override else 0,
                at,
                dump_decision(decision),
                1 if claims else None,
            )
        )
        if claims and first is not None:
            self._claimed[key] = first
            self._unit_keys.append(key)
            if self._filter is not None:
                self._filter.add(key)

    def purge_keys(self, first_seen_before: datetime) -> int:
        self._spill()
        purged: int = self._conn.execute(_PURGE, (micros(first_seen_before),)).rowcount
        self._claimed.clear()  # every claim is in SQL now, which says which are left
        self._unclaimed.clear()
        self._filter = None  # rebuilt without the purged keys when next asked
        return purged

    def rows(self) -> Iterator[DecisionRow]:
        self._spill()
        return self._rows(self._conn.execute(_ROWS))

    @staticmethod
    def _rows(cursor: sqlite3.Cursor) -> Iterator[DecisionRow]:
        while batch := cursor.fetchmany(1024):
            for kind, field, rule, reason, manual, override, at in batch:
                yield DecisionRow(
                    kind, field, rule, reason, bool(manual), bool(override), from_micros(at)
                )

    def _build_filter(self) -> KeyFilter:
        """Every key claimed in the table, and in the open batch (its rows may not be there)."""
        # the open batch's buffered claims are added below from memory; their seqs are past
        # ``_covered`` until the batch commits (``end_batch``) or is lost (``forget``)
        self._covered, self._behind = self._last_seq(), False
        count = int(self._cursor.execute(_COUNT_KEYS).fetchone()[0])
        seen = KeyFilter.sized(count + len(self._claimed))
        for (key,) in self._conn.cursor().execute(_KEYS):
            seen.add(key)
        for key in self._claimed:
            seen.add(key)
        return seen

    def _catch_up(self, seen: KeyFilter) -> None:
        """Add the keys of the decisions other connections logged past ``_covered``."""
        covered = self._covered
        for seq, key in self._conn.cursor().execute(_KEYS_AFTER, (covered,)):
            seen.add(key)
            covered = seq
        self._covered, self._behind = covered, False

    def _last_seq(self) -> int:
        return int(self._cursor.execute(_LAST_SEQ).fetchone()[0])

    def _unclaimed_in_sql(self, key: str) -> bool:
        return self._cursor.execute(_CLAIMED, (key,)).fetchone() is None

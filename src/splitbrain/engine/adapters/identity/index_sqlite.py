"""The SQLite identity index (the embedded default, DESIGN §10): records and blocking keys.

Tables (created on first use, versioned in ``identity_schema``): ``identity_records`` (one row
per source record: its person and normalized values) and ``identity_blocks`` (blocking key,
record row), a ``WITHOUT ROWID`` table whose primary key is the lookup index. A candidate
search reads each key's block with ``LIMIT max + 1`` (so an oversized block costs no more than
the limit) and fetches the candidate rows in one query: at most ``max_scored`` of them, the
best supported, none alone in a big block (``BlockingKeys.choose``, as every index).

The index may own its connection (``open(path)``: WAL, each write committed, or many at once
inside :meth:`SqliteIdentityIndex.batch`) or share the engine's (``autocommit=False``: the
caller's unit of work commits).

Example::

    index = SqliteIdentityIndex.open("out/identity.sqlite", parts.matcher, parts.blocking,
                                     200, 2000)
    with index.batch():
        for record in records:
            index.match_and_insert(record, new_person_id)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from splitbrain.engine.adapters.identity.index_base import BlockedIndex
from splitbrain.engine.domain.identity.blocking import BlockingKeys
from splitbrain.engine.domain.identity.errors import (
    DuplicateRecord,
    IdentityError,
    UnknownRecord,
)
from splitbrain.engine.domain.identity.matcher import Matcher
from splitbrain.engine.domain.identity.record import IDENTITY_FIELDS, IdentityRecord, RecordKey

__all__ = ["IDENTITY_SCHEMA_VERSION", "SqliteIdentityIndex", "create_identity_schema"]

IDENTITY_SCHEMA_VERSION = 1
_VALUES = ", ".join(IDENTITY_FIELDS)
_COLUMNS = f"source_system, source_record_id, person_id, {_VALUES}"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS identity_schema (version INTEGER NOT NULL)",
    f"""CREATE TABLE IF NOT EXISTS identity_records (
        rid INTEGER PRIMARY KEY,
        source_system TEXT NOT NULL,
        source_record_id TEXT NOT NULL,
        person_id TEXT NOT NULL,
        {", ".join(f"{f} TEXT" for f in IDENTITY_FIELDS)},
        UNIQUE (source_system, source_record_id)
    )""",
    "CREATE INDEX IF NOT EXISTS identity_records_by_person ON identity_records (person_id)",
    """CREATE TABLE IF NOT EXISTS identity_blocks (
        key TEXT NOT NULL,
        rid INTEGER NOT NULL,
        PRIMARY KEY (key, rid)
    ) WITHOUT ROWID""",
)


def create_identity_schema(conn: sqlite3.Connection) -> None:
    """Create the identity tables, or check that existing ones are this version."""
    for statement in _SCHEMA:
        conn.execute(statement)
    row = conn.execute("SELECT version FROM identity_schema").fetchone()
    if row is None:
        conn.execute("INSERT INTO identity_schema (version) VALUES (?)", (IDENTITY_SCHEMA_VERSION,))
    elif row[0] != IDENTITY_SCHEMA_VERSION:
        raise IdentityError(
            f"identity tables are schema version {row[0]}, this build reads "
            f"{IDENTITY_SCHEMA_VERSION}; migrate or rebuild the identity index"
        )


def _record(row: tuple[str | None, ...]) -> IdentityRecord:
    system, record_id = row[0], row[1]
    assert system is not None and record_id is not None
    return IdentityRecord(system, record_id, *row[3:])


class SqliteIdentityIndex(BlockedIndex):
    """Records and blocks in SQLite; the same matcher as the memory index."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        matcher: Matcher,
        blocking: BlockingKeys,
        max_block: int,
        max_exact_block: int,
        *,
        autocommit: bool = True,
    ) -> None:
        super().__init__(matcher, blocking, max_block, max_exact_block)
        self._conn = conn
        self._autocommit = autocommit
        self._batching = False
        create_identity_schema(conn)
        self._commit()

    @classmethod
    def open(
        cls,
        path: str,
        matcher: Matcher,
        blocking: BlockingKeys,
        max_block: int,
        max_exact_block: int,
    ) -> SqliteIdentityIndex:
        """An index owning a connection to ``path`` (WAL, synchronous NORMAL)."""
        conn = sqlite3.connect(path, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return cls(conn, matcher, blocking, max_block, max_exact_block)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Commit the writes inside the block once, at its end."""
        self._batching = True
        try:
            yield
        finally:
            self._batching = False
        self._commit()

    def close(self) -> None:
        self._commit()
        self._conn.close()

    def candidates(self, record: IdentityRecord) -> list[tuple[IdentityRecord, str]]:
        usable: list[list[int]] = []
        execute = self._conn.execute
        for key in self.keys_of(record):
            limit = self.limit_of(key)
            block = execute(
                "SELECT rid FROM identity_blocks WHERE key = ? LIMIT ?", (key, limit + 1)
            ).fetchall()
            if len(block) <= limit:
                usable.append([r[0] for r in block])
        own_rid = None
        if sum(map(len, usable)) > self.blocking.max_scored:  # the record itself takes no place
            own_rid = self._find_rid(record.key)
        rids = self.blocking.choose(usable, own_rid)
        if not rids:
            return []
        marks = ",".join("?" * len(rids))
        rows = execute(
            f"SELECT {_COLUMNS} FROM identity_records WHERE rid IN ({marks}) ORDER BY rid",
            tuple(rids),
        ).fetchall()
        own = record.key
        return [(_record(r), r[2]) for r in rows if (r[0], r[1]) != own]

    def insert(self, record: IdentityRecord, person_id: str) -> None:
        values = (record.source_system, record.source_record_id, person_id)
        values += tuple(getattr(record, f) for f in IDENTITY_FIELDS)
        try:
            cursor = self._conn.execute(
                f"INSERT INTO identity_records ({_COLUMNS}) VALUES ({','.join('?' * len(values))})",
                values,
            )
        except sqlite3.IntegrityError as exc:
            raise DuplicateRecord(
                f"record {record.key} is already in the identity index; move or remove it instead"
            ) from exc
        rid = cursor.lastrowid
        self._conn.executemany(
            "INSERT OR IGNORE INTO identity_blocks (key, rid) VALUES (?, ?)",
            [(key, rid) for key in self.keys_of(record)],
        )
        self._commit()

    def remove(self, record_key: RecordKey) -> None:
        rid = self._rid(record_key)
        self._conn.execute("DELETE FROM identity_blocks WHERE rid = ?", (rid,))
        self._conn.execute("DELETE FROM identity_records WHERE rid = ?", (rid,))
        self._commit()

    def move(self, record_key: RecordKey, person_id: str) -> None:
        rid = self._rid(record_key)
        self._conn.execute(
            "UPDATE identity_records SET person_id = ? WHERE rid = ?", (person_id, rid)
        )
        self._commit()

    def get(self, record_key: RecordKey) -> IdentityRecord | None:
        row = self._row(record_key)
        return None if row is None else _record(row)

    def person_of(self, record_key: RecordKey) -> str | None:
        row = self._row(record_key)
        return None if row is None else row[2]

    def records_of(self, person_id: str) -> tuple[RecordKey, ...]:
        rows = self._conn.execute(
            "SELECT source_system, source_record_id FROM identity_records WHERE person_id = ? "
            "ORDER BY rid",
            (person_id,),
        ).fetchall()
        return tuple(RecordKey(s, r) for s, r in rows)

    def __len__(self) -> int:
        count: int = self._conn.execute("SELECT COUNT(*) FROM identity_records").fetchone()[0]
        return count

    def _row(self, record_key: RecordKey) -> tuple[str | None, ...] | None:
        row: tuple[str | None, ...] | None = self._conn.execute(
            f"SELECT {_COLUMNS} FROM identity_records "
            "WHERE source_system = ? AND source_record_id = ?",
            tuple(record_key),
        ).fetchone()
        return row

    def _rid(self, record_key: RecordKey) -> int:
        rid = self._find_rid(record_key)
        if rid is None:
            raise UnknownRecord(f"record {record_key} is not in the identity index")
        return rid

    def _find_rid(self, record_key: RecordKey) -> int | None:
        row = self._conn.execute(
            "SELECT rid FROM identity_records WHERE source_system = ? AND source_record_id = ?",
            tuple(record_key),
        ).fetchone()
        return None if row is None else int(row[0])

    def _commit(self) -> None:
        if self._autocommit and not self._batching:
            self._conn.commit()

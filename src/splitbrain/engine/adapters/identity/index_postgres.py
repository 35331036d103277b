"""The PostgreSQL identity index: records and blocking keys on the engine store's connection.

Same tables and the same matcher as the SQLite index (``index_sqlite``): ``identity_records``
(one row per source record: its person and normalized values) and ``identity_blocks``
(blocking key, record row; the primary key is the lookup index). It never commits: it rides in
the unit of work's transaction, so a registration's index rows commit or roll back with its
links and its audit entry. Versioned as the ``identity`` block of ``postgres_schema``.

A candidate search is two round trips whatever the number of keys: every key's block is read
at once (``unnest`` + ``LATERAL ... LIMIT max + 1``, so an oversized block costs no more than
the limit and is then skipped), then the candidate rows in one query, in record order: at most
``max_scored`` of them, the best supported, none alone in a big block (``BlockingKeys.choose``).

Concurrency: two engine processes registering one patient at once are serialized by the store
before they search (see ``postgres_identity``), so the second one's search finds the first.

Example::

    index = PostgresIdentityIndex(conn, parts.matcher, parts.blocking, 200, 2000)
    decision = index.match_and_insert(record, new_person_id)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from splitbrain.engine.adapters.identity.index_base import BlockedIndex
from splitbrain.engine.domain.identity.blocking import BlockingKeys
from splitbrain.engine.domain.identity.errors import DuplicateRecord, UnknownRecord
from splitbrain.engine.domain.identity.matcher import Matcher
from splitbrain.engine.domain.identity.record import IDENTITY_FIELDS, IdentityRecord, RecordKey

if TYPE_CHECKING:
    from splitbrain.engine.adapters.postgres_connection import PgConnection

__all__ = ["IDENTITY_SCHEMA_VERSION", "IDENTITY_TABLES", "PostgresIdentityIndex"]

IDENTITY_SCHEMA_VERSION = 1
IDENTITY_TABLES = (
    f"""CREATE TABLE identity_records (
        rid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        source_system text NOT NULL,
        source_record_id text NOT NULL,
        person_id text NOT NULL,
        {", ".join(f"{f} text" for f in IDENTITY_FIELDS)},
        UNIQUE (source_system, source_record_id)
    )""",
    "CREATE INDEX identity_records_by_person ON identity_records (person_id)",
    """CREATE TABLE identity_blocks (
        key text NOT NULL,
        rid bigint NOT NULL REFERENCES identity_records (rid) ON DELETE CASCADE,
        PRIMARY KEY (key, rid)
    )""",
    "CREATE INDEX identity_blocks_by_rid ON identity_blocks (rid)",
)
_COLUMNS = f"source_system, source_record_id, person_id, {', '.join(IDENTITY_FIELDS)}"
_BLOCKS = (
    "SELECT k.key, b.rid FROM unnest(?::text[], ?::int[]) AS k (key, size) "
    "CROSS JOIN LATERAL (SELECT rid FROM identity_blocks WHERE key = k.key ORDER BY rid "
    "LIMIT k.size) AS b"
)  # each block in rid order: the scoring cap breaks ties by that order, deterministically
_ROWS = f"SELECT {_COLUMNS} FROM identity_records WHERE rid = ANY(?) ORDER BY rid"
_MARKS = ", ".join("?" * (3 + len(IDENTITY_FIELDS)))
_INSERT = (
    f"INSERT INTO identity_records ({_COLUMNS}) VALUES ({_MARKS}) "
    "ON CONFLICT (source_system, source_record_id) DO NOTHING RETURNING rid"
)
_FILE = "INSERT INTO identity_blocks (key, rid) SELECT unnest(?::text[]), ? ON CONFLICT DO NOTHING"
_BY_KEY = (
    f"SELECT {_COLUMNS} FROM identity_records WHERE source_system = ? AND source_record_id = ?"
)


def _record(row: tuple[Any, ...]) -> IdentityRecord:
    return IdentityRecord(row[0], row[1], *row[3:])


class PostgresIdentityIndex(BlockedIndex):
    """Records and blocks in PostgreSQL; the same matcher as the memory and SQLite indexes."""

    def __init__(
        self,
        conn: PgConnection,
        matcher: Matcher,
        blocking: BlockingKeys,
        max_block: int,
        max_exact_block: int,
    ) -> None:
        super().__init__(matcher, blocking, max_block, max_exact_block)
        self._conn = conn

    def candidates(self, record: IdentityRecord) -> list[tuple[IdentityRecord, str]]:
        keys = list(self.keys_of(record))
        if not keys:
            return []
        limits = {key: self.limit_of(key) for key in keys}
        blocks: dict[str, list[int]] = {key: [] for key in keys}
        for key, rid in self._conn.execute(_BLOCKS, (keys, [limits[k] + 1 for k in keys])):
            blocks[key].append(rid)
        usable = [block for key, block in blocks.items() if len(block) <= limits[key]]
        own_rid = None
        if sum(map(len, usable)) > self.blocking.max_scored:  # the record itself takes no place
            own_rid = self._find_rid(record.key)
        rids = sorted(self.blocking.choose(usable, own_rid))
        if not rids:
            return []
        own = record.key
        rows = self._conn.execute(_ROWS, (rids,)).fetchall()
        return [(_record(r), r[2]) for r in rows if (r[0], r[1]) != own]

    def insert(self, record: IdentityRecord, person_id: str) -> None:
        values = (record.source_system, record.source_record_id, person_id)
        values += tuple(getattr(record, f) for f in IDENTITY_FIELDS)
        row = self._conn.execute(_INSERT, values).fetchone()
        if row is None:
            raise DuplicateRecord(
                f"record {record.key} is already in the identity index; move or remove it instead"
            )
        self._conn.execute(_FILE, (list(self.keys_of(record)), row[0]))

    def remove(self, record_key: RecordKey) -> None:
        self._conn.execute("DELETE FROM identity_records WHERE rid = ?", (self._rid(record_key),))

    def move(self, record_key: RecordKey, person_id: str) -> None:
        self._conn.execute(
            "UPDATE identity_records SET person_id = ? WHERE rid = ?",
            (person_id, self._rid(record_key)),
        )

    def get(self, record_key: RecordKey) -> IdentityRecord | None:
        row = self._conn.execute(_BY_KEY, tuple(record_key)).fetchone()
        return None if row is None else _record(row)

    def person_of(self, record_key: RecordKey) -> str | None:
        row = self._conn.execute(_BY_KEY, tuple(record_key)).fetchone()
        return None if row is None else str(row[2])

    def records_of(self, person_id: str) -> tuple[RecordKey, ...]:
        rows = self._conn.execute(
            "SELECT source_system, source_record_id FROM identity_records WHERE person_id = ? "
            "ORDER BY rid",
            (person_id,),
        ).fetchall()
        return tuple(RecordKey(s, r) for s, r in rows)

    def __len__(self) -> int:
        row = self._conn.execute("SELECT count(*) FROM identity_records", ()).fetchone()
        return int(row[0]) if row else 0

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

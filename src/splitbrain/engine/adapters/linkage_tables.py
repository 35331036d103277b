"""The linkage repositories on a SQL store: persons, the link table, merges, the review queue.

Written once in portable SQL (``adapters.sql_port``) and used by both durable stores, on the
store's one connection and inside its unit of work (they never commit): SQLite as they are
(``sqlite_identity``), PostgreSQL with locks added where two engine processes could race
(``postgres_identity``). Each store creates the tables with its own DDL:

``linkage_persons``; ``linkage_links`` (every link ever made; ``current`` marks the one in force
per record); ``linkage_merges`` (merge records with the before snapshots) and
``linkage_merge_writes`` (writes tracked while a merge is active); ``linkage_review`` and
``linkage_not_duplicate`` (pairs never to suggest again).

Example::

    persons = SqlPersons(conn)
    persons.put(person)
    persons.resolve("per_000002")
"""

from __future__ import annotations

from datetime import datetime

from splitbrain.engine.adapters.identity_records import (
    dump_link,
    dump_merge,
    dump_person,
    dump_review,
    dump_tracked,
    load_link,
    load_merge,
    load_person,
    load_review,
    load_tracked,
)
from splitbrain.engine.adapters.sql_port import Sql
from splitbrain.engine.adapters.sqlite_schema import micros
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.links import Link
from splitbrain.engine.domain.linkage.merge import MergeRecord
from splitbrain.engine.domain.linkage.persons import Person
from splitbrain.engine.domain.linkage.review import ReviewItem, ReviewStatus, pair_of
from splitbrain.engine.domain.linkage.unmerge import TrackedWrite
from splitbrain.engine.service_layer.identity_store import (
    LinkTable,
    MergeLog,
    PersonTable,
    ReviewQueue,
)

__all__ = ["SqlLinks", "SqlMerges", "SqlPersons", "SqlReview"]

_OPEN = ReviewStatus.OPEN.value


class SqlPersons(PersonTable):
    def __init__(self, conn: Sql) -> None:
        self._conn = conn

    def find(self, person: str) -> Person | None:
        row = self._conn.execute(
            "SELECT body FROM linkage_persons WHERE person = ?", (person,)
        ).fetchone()
        return None if row is None else load_person(row[0])

    def put(self, person: Person) -> None:
        self._conn.execute(
            "INSERT INTO linkage_persons (person, body) VALUES (?, ?) "
            "ON CONFLICT (person) DO UPDATE SET body = excluded.body",
            (person.person, dump_person(person)),
        )

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM linkage_persons").fetchone()[0])


class SqlLinks(LinkTable):
    def __init__(self, conn: Sql) -> None:
        self._conn = conn

    def current(self, record: RecordKey) -> Link | None:
        row = self._current(record)
        return None if row is None else load_link(row[1])

    def history(self, record: RecordKey) -> list[Link]:
        rows = self._conn.execute(
            "SELECT body FROM linkage_links WHERE system = ? AND record = ? ORDER BY seq",
            tuple(record),
        )
        return [load_link(body) for (body,) in rows]

    def of_person(self, person: str) -> list[Link]:
        rows = self._conn.execute(
            "SELECT body FROM linkage_links WHERE person = ? AND current = 1 "
            "ORDER BY system, record",
            (person,),
        )
        return [load_link(body) for (body,) in rows]

    def link(self, link: Link, at: datetime) -> None:
        old = self._current(link.record)
        if old is not None:
            seq, body = old
            gone = dump_link(load_link(body).superseded(at))
            self._conn.execute(
                "UPDATE linkage_links SET current = 0, body = ? WHERE seq = ?", (gone, seq)
            )
        self._conn.execute(
            "INSERT INTO linkage_links (system, record, person, current, body) "
            "VALUES (?, ?, ?, 1, ?)",
            (*link.record, link.person, dump_link(link)),
        )

    def _current(self, record: RecordKey) -> tuple[int, str] | None:
        row = self._conn.execute(
            "SELECT seq, body FROM linkage_links WHERE system = ? AND record = ? AND current = 1",
            tuple(record),
        ).fetchone()
        return None if row is None else (row[0], row[1])


class SqlMerges(MergeLog):
    def __init__(self, conn: Sql) -> None:
        self._conn = conn

    def find(self, merge_id: str) -> MergeRecord | None:
        row = self._conn.execute(
            "SELECT body FROM linkage_merges WHERE merge_id = ?", (merge_id,)
        ).fetchone()
        return None if row is None else load_merge(row[0])

    def put(self, record: MergeRecord) -> None:
        survivor, retired = record.persons
        self._conn.execute(
            "INSERT INTO linkage_merges (merge_id, survivor, retired, active, body) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (merge_id) DO UPDATE SET "
            "active = excluded.active, body = excluded.body",
            (record.merge_id, survivor, retired, int(record.active), dump_merge(record)),
        )

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM linkage_merges").fetchone()[0])

    def active_ids(self, person: str) -> list[str]:
        rows = self._conn.execute(
            "SELECT seq, merge_id FROM linkage_merges WHERE active = 1 AND survivor = ? "
            "UNION SELECT seq, merge_id FROM linkage_merges WHERE active = 1 AND retired = ? "
            "ORDER BY 1",
            (person, person),
        )
        return [merge_id for _seq, merge_id in rows]

    def track(self, write: TrackedWrite) -> None:
        self._conn.execute(
            "INSERT INTO linkage_merge_writes (merge_id, body) VALUES (?, ?)",
            (write.merge_id, dump_tracked(write)),
        )

    def tracked(self, merge_id: str) -> list[TrackedWrite]:
        rows = self._conn.execute(
            "SELECT body FROM linkage_merge_writes WHERE merge_id = ? ORDER BY seq", (merge_id,)
        )
        return [load_tracked(body) for (body,) in rows]

    def list(self) -> list[MergeRecord]:
        rows = self._conn.execute("SELECT body FROM linkage_merges ORDER BY seq")
        return [load_merge(body) for (body,) in rows]


class SqlReview(ReviewQueue):
    def __init__(self, conn: Sql) -> None:
        self._conn = conn

    def find(self, review_id: str) -> ReviewItem | None:
        row = self._conn.execute(
            "SELECT body FROM linkage_review WHERE review_id = ?", (review_id,)
        ).fetchone()
        return None if row is None else load_review(row[0])

    def put(self, item: ReviewItem) -> None:
        self._conn.execute(
            "INSERT INTO linkage_review (review_id, person, candidate, status, body) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (review_id) DO UPDATE SET "
            "person = excluded.person, candidate = excluded.candidate, "
            "status = excluded.status, body = excluded.body",
            (item.review_id, item.person, item.candidate, item.status.value, dump_review(item)),
        )

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM linkage_review").fetchone()[0])

    def mark_not_duplicate(self, a: str, b: str, at: datetime, by: str) -> None:
        self._conn.execute(
            "INSERT INTO linkage_not_duplicate (a, b, decided_at, decided_by) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (a, b) DO UPDATE SET decided_at = excluded.decided_at, "
            "decided_by = excluded.decided_by",
            (*pair_of(a, b), micros(at), by),
        )

    def rejected(self, a: str, b: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM linkage_not_duplicate WHERE a = ? AND b = ?", pair_of(a, b)
        ).fetchone()
        return row is not None

    def queued(self, a: str, b: str) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM linkage_review WHERE status = ? AND ((person = ? AND candidate = ?) "
            "OR (person = ? AND candidate = ?)) LIMIT 1",
            (_OPEN, a, b, b, a),
        ).fetchone()
        return row is not None

    def list(self, *, open_only: bool) -> list[ReviewItem]:
        if open_only:
            rows = self._conn.execute(
                "SELECT body FROM linkage_review WHERE status = ? ORDER BY seq", (_OPEN,)
            )
        else:
            rows = self._conn.execute("SELECT body FROM linkage_review ORDER BY seq")
        return [load_review(body) for (body,) in rows]

"""The identity store on PostgreSQL: the shared ``linkage_tables`` repositories, with locks.

The tables are SQLite's linkage block in PostgreSQL's types (``postgres_ddl``); the queries are
the shared ones, on the unit of work's connection, so a merge, its links, its field changes and
its audit entry are one transaction. What several engine processes add:

- a person row is read ``FOR UPDATE``: a merge (or a registration) holds both persons until it
  commits, so a second merge of the same pair sees the first one's result and is refused;
- a record's current link is read under an advisory lock on its (system, record id): two
  processes registering one record serialize, and the second updates what the first filed;
- new ids (persons, merges, review items: ``count + 1``, as in the other stores) are taken
  under an advisory lock per kind, held to the commit, so two processes never hand out one id.
  Every registration of a new record takes the person-id lock before it searches the index,
  so two processes registering the same patient at once serialize, and the second finds the
  first (no duplicate person).

Example::

    store = postgres_identity_store(conn)
    store.persons.new_id()                   # "per_000001", reserved until the commit
"""

from __future__ import annotations

from splitbrain.engine.adapters.identity_records import load_person
from splitbrain.engine.adapters.linkage_index import postgres_default_index
from splitbrain.engine.adapters.linkage_tables import SqlLinks, SqlMerges, SqlPersons, SqlReview
from splitbrain.engine.adapters.postgres_connection import PgConnection, postgres_ddl
from splitbrain.engine.adapters.sqlite_identity import LINKAGE_TABLES as SQLITE_LINKAGE_TABLES
from splitbrain.engine.domain.identity.ports import IdentityIndex
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.links import Link
from splitbrain.engine.domain.linkage.persons import Person
from splitbrain.engine.service_layer.identity_store import IdentityStore

__all__ = ["LINKAGE_SCHEMA_VERSION", "LINKAGE_TABLES", "postgres_identity_store"]

LINKAGE_SCHEMA_VERSION = 1
LINKAGE_TABLES = tuple(postgres_ddl(statement) for statement in SQLITE_LINKAGE_TABLES)


class _Persons(SqlPersons):
    def __init__(self, conn: PgConnection) -> None:
        super().__init__(conn)
        self._pg = conn

    def find(self, person: str) -> Person | None:
        row = self._pg.execute(
            "SELECT body FROM linkage_persons WHERE person = ? FOR UPDATE", (person,)
        ).fetchone()
        return None if row is None else load_person(row[0])

    def new_id(self) -> str:
        self._pg.lock("person-ids")
        return super().new_id()


class _Links(SqlLinks):
    def __init__(self, conn: PgConnection) -> None:
        super().__init__(conn)
        self._pg = conn

    def current(self, record: RecordKey) -> Link | None:
        self._pg.lock("record", record.source_system, record.source_record_id)
        return super().current(record)


class _Merges(SqlMerges):
    def __init__(self, conn: PgConnection) -> None:
        super().__init__(conn)
        self._pg = conn

    def new_id(self) -> str:
        self._pg.lock("merge-ids")
        return super().new_id()


class _Review(SqlReview):
    def __init__(self, conn: PgConnection) -> None:
        super().__init__(conn)
        self._pg = conn

    def new_id(self) -> str:
        self._pg.lock("review-ids")
        return super().new_id()


def postgres_identity_store(
    conn: PgConnection, index: IdentityIndex | None = None
) -> IdentityStore:
    """The identity repositories on the unit of work's connection (they never commit), and the
    index (default: the PostgreSQL identity index on the same connection)."""
    return IdentityStore(
        persons=_Persons(conn),
        links=_Links(conn),
        merges=_Merges(conn),
        review=_Review(conn),
        index=index or postgres_default_index(conn),
    )

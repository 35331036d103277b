"""``Sql``: the little a dialect-neutral repository needs from a database connection.

Repositories whose SQL is portable between SQLite and PostgreSQL (the consent tables, the
linkage tables) are written once against this protocol, in qmark style (``?`` placeholders) and
with the upsert both servers share (``INSERT ... ON CONFLICT (...) DO UPDATE SET c =
excluded.c``). A ``sqlite3.Connection`` satisfies it as it is; the PostgreSQL store passes its
``PgConnection``, which rewrites ``?`` to psycopg's ``%s`` and translates driver errors.

Dialect differences stay in each store's own modules: DDL (types, identity columns,
``WITHOUT ROWID``), ``INSERT OR IGNORE``/``OR REPLACE``, ``lastrowid`` (PostgreSQL uses
``RETURNING``), and row locks (PostgreSQL only).

Example::

    def count(conn: Sql) -> int:
        return int(conn.execute("SELECT count(*) FROM linkage_persons").fetchone()[0])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

__all__ = ["Rows", "Sql"]


class Rows(Protocol):
    """A cursor after ``execute``: rows as tuples."""

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Sql(Protocol):
    """``execute(sql, parameters)`` with qmark placeholders, returning the rows."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Rows: ...

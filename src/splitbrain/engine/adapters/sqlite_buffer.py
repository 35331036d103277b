"""The SQLite store's write buffer, and the connection that tells the store about direct writes.

A command on the write path produces a decision row (which carries its idempotency claim), a
field-state upsert and an audit entry. Inserting each with its own statement costs more than
deciding the write, so the repositories append those rows here and ``WriteBuffer.write`` inserts
each table's rows with one ``executemany`` when the batch commits (``SqliteUnitOfWork.flush``),
or earlier when a read needs SQL to see them (``SqliteUnitOfWork.spill``). The repositories keep
what later reads need in memory (field states, claims, the audit head, the next decision seq),
so a unit of work reads what the units before it in the batch wrote without asking SQL.

Atomicity stays per command: ``mark()`` when a unit begins, ``drop_unit()`` on its rollback
(its rows go, the rows of the units before it stay). Nothing here commits.

``UnitConnection`` is the store's ``sqlite3.Connection``: it calls ``before_write`` before any
statement that is not a plain ``SELECT`` (the conflict queue, consents, identity tables write
directly), so the unit of work opens a savepoint only for the commands that need one.

Example::

    buffer = WriteBuffer()
    buffer.mark()
    buffer.decisions.append(row)
    buffer.write(conn.cursor())           # one executemany per table, in the open transaction
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from operator import itemgetter
from typing import Any

Row = tuple[Any, ...]

INSERT_DECISIONS = (
    "INSERT INTO decisions (seq, idempotency_key, kind, person, field, rule, reason, manual, "
    "override, decided_at, body, claimed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
UPSERT_STATES = (
    "INSERT OR REPLACE INTO field_state (person, field, value, version, provenance, system, "
    "role, occurred_at, idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_AUDIT = (
    "INSERT INTO audit_log (seq, hash_version, prev_hash, hash, event) VALUES (?, ?, ?, ?, ?)"
)
_PERSON_FIELD = itemgetter(0, 1)
"""A field-state row's key: the later of two rows for one (person, field) is the state."""


class WriteBuffer:
    """Rows waiting for the batch commit, per table, in the order they were produced."""

    def __init__(self) -> None:
        self.decisions: list[Row] = []
        """Decision rows; a row's last column is 1 when it claims its key (else None)."""
        self.states: list[Row] = []
        """Field-state upserts; a later row for the same (person, field) replaces an earlier."""
        self.audit: list[Row] = []
        self._marks = (0, 0, 0)

    def __len__(self) -> int:
        return len(self.decisions) + len(self.states) + len(self.audit)

    def mark(self) -> None:
        """A unit of work begins: rows from here on are its own until ``mark()`` again."""
        self._marks = (len(self.decisions), len(self.states), len(self.audit))

    def drop_unit(self) -> None:
        """Forget the rows of the unit since ``mark()`` (its rollback)."""
        for rows, mark in zip(self._tables(), self._marks, strict=True):
            del rows[mark:]

    def clear(self) -> None:
        """Forget every row (the open transaction was lost)."""
        for rows in self._tables():
            rows.clear()
        self._marks = (0, 0, 0)

    def write(self, cursor: sqlite3.Cursor, *, before_unit: bool = False) -> None:
        """Insert the rows (only those before the open unit's mark, if ``before_unit``) and
        forget them. Raises ``sqlite3.Error`` as SQLite does; the caller decides what is lost."""
        statements = (INSERT_DECISIONS, UPSERT_STATES, INSERT_AUDIT)
        for sql, rows, mark in zip(statements, self._tables(), self._marks, strict=True):
            upto = mark if before_unit else len(rows)
            if not upto:
                continue
            batch = rows if upto == len(rows) else rows[:upto]
            if sql is UPSERT_STATES and len(batch) > 1:  # one upsert per field is enough
                batch = list(dict(zip(map(_PERSON_FIELD, batch), batch, strict=True)).values())
            cursor.executemany(sql, batch)
            del rows[:upto]
        self._marks = (0, 0, 0)

    def _tables(self) -> tuple[list[Row], list[Row], list[Row]]:
        return (self.decisions, self.states, self.audit)


class UnitConnection(sqlite3.Connection):
    """A connection that calls ``before_write()`` before any statement but a plain ``SELECT``.

    Open with ``sqlite3.connect(path, factory=UnitConnection)``. Statements the store runs
    through its own cursors skip the hook; everyone else writes through ``execute`` or
    ``executemany`` (a write through a cursor of one's own skips the hook: the store then
    notices it on a rollback, by ``total_changes``, and drops the whole batch).
    ``executescript``, which would COMMIT an open transaction, is refused inside one.
    """

    before_write: Callable[[], None] | None = None

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if self.before_write is not None and not sql.startswith("SELECT"):
            self.before_write()
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> sqlite3.Cursor:
        if self.before_write is not None:
            self.before_write()
        return super().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> sqlite3.Cursor:
        if self.in_transaction:  # it would COMMIT the open batch, without its buffered rows
            raise sqlite3.ProgrammingError(
                "executescript() commits the open transaction; run it outside a unit of work"
            )
        return super().executescript(sql_script)

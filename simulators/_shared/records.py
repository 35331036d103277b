"""A versioned in-memory table: every record has ``id`` and ``version``, every call is recorded.

The CRM's contacts, leads, cases, tasks and campaigns and the portal's accounts, preferences,
intake and consents are tables of this kind.

Each create, read, update and delete is one operation in the simulator's history (key
``Kind/id``, the changed fields hashed by the recorder) and each change is one webhook event
carrying the new version. ``If-Match`` is checked here, so every resource gets 412s alike::

    contacts = Table("Contact", "con", runtime=rt, events=ChangeEvents(rt), lock=RLock())
    c = contacts.create("engine", {"first_name": "Ana"})          # version 1
    contacts.update("engine", c["id"], {"phone": "+15550100123"}, if_match=1)   # version 2
    contacts.update("engine", c["id"], {"phone": "+15550100124"}, if_match=1)   # StaleVersion
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from simulators._shared.change_events import ChangeEvents
from simulators._shared.errors import (
    Conflict,
    PreconditionRequired,
    RecordNotFound,
    SimulatorError,
    StaleVersion,
)
from simulators._shared.history import OpContext
from simulators._shared.runtime import Runtime

__all__ = ["Merge", "OpLabel", "Record", "Table", "Validator"]

Record = dict[str, Any]
Validator = Callable[[Mapping[str, Any]], None]
Merge = Callable[[Mapping[str, Any], dict[str, Any]], dict[str, Any]]
Actor = OpContext | str


@dataclass(frozen=True, slots=True)
class OpLabel:
    """How one change shows in the history (``f``, ``key``, ``field``) and its event (action).

    The default is ``create``/``write`` on ``Kind/id`` and ``kind.created``/``kind.updated``;
    the portal's consents use ``OpLabel("consent.revoke", "Account/acc-1", "HMARKT:sms",
    "revoked")``.
    """

    f: str
    key: str
    field: str | None = None
    action: str | None = None


def _process(ctx: Actor) -> str:
    return ctx if isinstance(ctx, str) else ctx.process


class Table:
    def __init__(
        self,
        kind: str,
        prefix: str,
        *,
        runtime: Runtime,
        events: ChangeEvents,
        lock: threading.RLock,
        validate: Validator | None = None,
        require_if_match: bool = False,
        keep_versions: bool = False,
    ) -> None:
        self.kind = kind
        self._prefix = prefix
        self._runtime = runtime
        self._history = runtime.history
        self._events = events
        self._lock = lock
        self._validate = validate
        self._require_if_match = require_if_match
        self._rows: dict[str, Record] = {}
        self._deleted: dict[str, int] = {}
        self._next_id = 1
        self._archive: dict[str, list[Record]] | None = {} if keep_versions else None

    def key(self, record_id: str) -> str:
        return f"{self.kind}/{record_id}"

    def create(
        self,
        ctx: Actor,
        fields: dict[str, Any],
        *,
        record_id: str | None = None,
        label: OpLabel | None = None,
    ) -> Record:
        """Store a new record at version 1 (under ``record_id`` when given: seeds keep ids)."""
        f, key = ("create", self.kind) if label is None else (label.f, label.key)
        field = None if label is None else label.field
        op = self._history.invoke(ctx, f, key, field=field, fields=fields)
        with self._lock:
            generated = record_id is None
            record_id = record_id or f"{self._prefix}-{self._next_id:06d}"
            if record_id in self._rows or record_id in self._deleted:
                self._history.fail(op, outcome="id_taken")
                raise Conflict(f"{self.key(record_id)} already exists; give another id")
            now = self._runtime.clock.now().isoformat()
            record = {"id": record_id, "version": 1, "created_at": now, "updated_at": now}
            record.update(fields)
            self._check(op, record)
            self._store(record)
            self._next_id += generated
        done_key = self.key(record_id) if label is None else label.key
        self._history.ok(op, key=done_key, new_version="1")
        action = "created" if label is None or label.action is None else label.action
        self._events.changed(self.kind, action, record, changed=fields, actor=_process(ctx))
        return dict(record)

    def get(self, ctx: Actor, record_id: str) -> Record:
        """The record, recorded as a ``read``."""
        op = self._history.invoke(ctx, "read", self.key(record_id))
        record = self._rows.get(record_id)
        if record is None:
            self._history.fail(op, outcome="not_found")
            raise self._missing(record_id)
        self._history.ok(op, new_version=str(record["version"]))
        return dict(record)

    def peek(self, record_id: str) -> Record | None:
        """The record without recording a read (for the simulator's own checks)."""
        record = self._rows.get(record_id)
        return None if record is None else dict(record)

    def require(self, record_id: str, *, field: str) -> Record:
        """The record a reference names, or ``RecordNotFound`` naming the referring field."""
        record = self.peek(record_id)
        if record is None:
            error = self._missing(record_id)
            error.message = f"field '{field}': {error.message}"
            raise error
        return record

    def update(
        self,
        ctx: Actor,
        record_id: str,
        changes: dict[str, Any],
        *,
        if_match: int | None,
        merge: Merge | None = None,
        label: OpLabel | None = None,
    ) -> Record:
        """Apply ``changes`` (after ``merge`` with the current record) as the next version."""
        base = None if if_match is None else str(if_match)
        f, key = ("write", self.key(record_id)) if label is None else (label.f, label.key)
        field = None if label is None else label.field
        op = self._history.invoke(ctx, f, key, field=field, base_version=base, fields=changes)
        with self._lock:
            current = self._current(op, record_id, if_match)
            applied = self._merged(op, current, changes, merge)
            record = {**current, **applied}
            record["version"] = current["version"] + 1
            record["updated_at"] = self._runtime.clock.now().isoformat()
            self._check(op, record)
            self._store(record)
        self._history.ok(op, new_version=str(record["version"]))
        action = "updated" if label is None or label.action is None else label.action
        self._events.changed(self.kind, action, record, changed=applied, actor=_process(ctx))
        return dict(record)

    def versions(self, record_id: str) -> list[Record]:
        """Every version of a record, oldest first (tables built with ``keep_versions``)."""
        if self._archive is None or record_id not in self._archive:
            raise self._missing(record_id)
        return [dict(v) for v in self._archive[record_id]]

    def delete(self, ctx: Actor, record_id: str, *, if_match: int | None) -> Record:
        """Remove the record; its tombstone version is the last version + 1."""
        base = None if if_match is None else str(if_match)
        op = self._history.invoke(ctx, "delete", self.key(record_id), base_version=base)
        with self._lock:
            current = self._current(op, record_id, if_match)
            del self._rows[record_id]
            tombstone = {**current, "version": current["version"] + 1}
            self._deleted[record_id] = tombstone["version"]
        self._history.ok(op, new_version=str(tombstone["version"]))
        self._events.changed(self.kind, "deleted", tombstone, changed=(), actor=_process(ctx))
        return tombstone

    def search(
        self, ctx: Actor, predicate: Callable[[Mapping[str, Any]], bool], *, criteria: str
    ) -> list[Record]:
        """Matching records in id order, recorded as a ``search`` (``criteria``: field names)."""
        op = self._history.invoke(ctx, "search", self.kind, field=criteria or None)
        found = [dict(r) for r in list(self._rows.values()) if predicate(r)]
        self._history.ok(op, outcome=f"ok:{len(found)}")
        return found

    def values(self) -> Iterator[Record]:
        """Every live record (no history: the simulator's own scans)."""
        return iter(list(self._rows.values()))

    def __len__(self) -> int:
        return len(self._rows)

    def reset(self) -> None:
        with self._lock:
            self._rows.clear()
            self._deleted.clear()
            if self._archive is not None:
                self._archive.clear()
            self._next_id = 1

    def _current(self, op: int, record_id: str, if_match: int | None) -> Record:
        current = self._rows.get(record_id)
        if current is None:
            self._history.fail(op, outcome="not_found")
            raise self._missing(record_id)
        if if_match is None and self._require_if_match:
            self._history.fail(op, outcome="if_match_required")
            raise PreconditionRequired(
                f"{self.key(record_id)}: this CRM refuses blind writes; send If-Match with the "
                f"version you last read (now {current['version']})"
            )
        if if_match is not None and if_match != current["version"]:
            self._history.fail(op, outcome="stale_version")
            raise StaleVersion(self.key(record_id), expected=if_match, current=current["version"])
        return current

    def _store(self, record: Record) -> None:
        self._rows[record["id"]] = record
        if self._archive is not None:
            self._archive.setdefault(record["id"], []).append(record)

    def _merged(
        self, op: int, current: Mapping[str, Any], changes: dict[str, Any], merge: Merge | None
    ) -> dict[str, Any]:
        if merge is None:
            return changes
        try:
            return merge(current, changes)
        except SimulatorError as exc:
            self._history.fail(op, outcome=exc.code)
            raise

    def _check(self, op: int, record: Mapping[str, Any]) -> None:
        if self._validate is None:
            return
        try:
            self._validate(record)
        except SimulatorError as exc:
            self._history.fail(op, outcome=exc.code)
            raise

    def _missing(self, record_id: str) -> RecordNotFound:
        gone = self._deleted.get(record_id)
        if gone is not None:
            return RecordNotFound(
                f"{self.key(record_id)} was deleted (tombstone version {gone}); it cannot be "
                "read or changed"
            )
        return RecordNotFound(
            f"{self.key(record_id)} does not exist; list {self.kind} records to find the id"
        )

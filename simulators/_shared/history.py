"""The operation history every simulator records (DESIGN §9, Jepsen style).

Each operation is an ``invoke`` record followed by exactly one completion: ``ok``, ``fail``, or
``info`` (outcome unknown to the client, e.g. the server committed and then the connection was
cut). A completion points at its invoke through ``op``::

    op = history.invoke(ctx, "write", "Patient/p1", base_version="2", fields=patient)
    history.ok(op, new_version="3")          # becomes "info" if ctx says the reply is doomed
    print(history.export_jsonl())

Recording is cheap: a tuple appended under a lock. Values are held by reference and only hashed
(``value_id``) on export, so callers must not mutate a value after recording it. The export never
contains a raw value: keys are resource ids / person tokens and field names, values are hashes.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from simulators._shared.clock import Clock
from simulators._shared.errors import ConfigurationError

INVOKE: Final = "invoke"
OK: Final = "ok"
FAIL: Final = "fail"
INFO: Final = "info"

FIELDS: Final = (
    "index",
    "op",
    "time",
    "mono_ns",
    "system",
    "process",
    "type",
    "f",
    "key",
    "field",
    "base_version",
    "new_version",
    "value",
    "fields",
    "idempotency_key",
    "attempt",
    "outcome",
)

_NO_VALUE: Final = object()


@dataclass(frozen=True, slots=True)
class OpContext:
    """Who performs an operation, and whether its reply can reach them.

    ``doubtful`` names a fault (``"crash_after_commit"``, ``"timeout"``) that keeps the reply from
    the client: ``History.ok`` then records ``info`` with that outcome instead of ``ok``.
    """

    process: str
    idempotency_key: str | None = None
    attempt: int | None = None
    doubtful: str | None = None


def value_id(value: object) -> str:
    """A stable, PHI-free id of a JSON-like value: equal values give equal ids.

    >>> value_id({"b": 1, "a": [2]}) == value_id({"a": [2], "b": 1})
    True
    """
    canonical = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return "v:" + hashlib.blake2b(canonical.encode(), digest_size=10).hexdigest()


class History:
    """An append-only, totally ordered list of operations for one system."""

    def __init__(self, clock: Clock, *, system: str, enabled: bool = True) -> None:
        self._clock = clock
        self._system = system
        self.enabled = enabled
        self._lock = threading.Lock()
        self._rows: list[tuple[Any, ...]] = []
        self._open: dict[int, OpContext] = {}

    @property
    def system(self) -> str:
        return self._system

    def __len__(self) -> int:
        return len(self._rows)

    def invoke(
        self,
        ctx: OpContext | str,
        f: str,
        key: str,
        *,
        field: str | None = None,
        base_version: str | None = None,
        value: object = _NO_VALUE,
        fields: Mapping[str, object] | None = None,
    ) -> int:
        """Record the start of an operation and return its handle (-1 when recording is off)."""
        if not self.enabled:
            return -1
        context = ctx if isinstance(ctx, OpContext) else OpContext(process=ctx)
        with self._lock:
            index = len(self._rows)
            self._rows.append(
                (
                    index,
                    None,
                    self._clock.now(),
                    time.perf_counter_ns(),
                    context.process,
                    INVOKE,
                    f,
                    key,
                    field,
                    base_version,
                    None,
                    value,
                    fields,
                    context.idempotency_key,
                    context.attempt,
                    None,
                )
            )
            self._open[index] = context
        return index

    def ok(
        self,
        op: int,
        *,
        key: str | None = None,
        new_version: str | None = None,
        value: object = _NO_VALUE,
        fields: Mapping[str, object] | None = None,
        outcome: str = "ok",
    ) -> None:
        """Complete ``op`` as done; recorded as ``info`` when its context is doubtful."""
        self._complete(
            op, OK, key=key, new_version=new_version, value=value, fields=fields, outcome=outcome
        )

    def fail(self, op: int, *, outcome: str) -> None:
        """Complete ``op`` as certainly not applied; ``outcome`` names why (a code, no PHI)."""
        self._complete(
            op, FAIL, key=None, new_version=None, value=_NO_VALUE, fields=None, outcome=outcome
        )

    def info(
        self, op: int, *, outcome: str, key: str | None = None, new_version: str | None = None
    ) -> None:
        """Complete ``op`` with an outcome the client cannot know."""
        self._complete(
            op,
            INFO,
            key=key,
            new_version=new_version,
            value=_NO_VALUE,
            fields=None,
            outcome=outcome,
        )

    def is_open(self, op: int) -> bool:
        return op in self._open

    def _complete(
        self,
        op: int,
        kind: str,
        *,
        key: str | None,
        new_version: str | None,
        value: object,
        fields: Mapping[str, object] | None,
        outcome: str,
    ) -> None:
        if op < 0 or not self.enabled:
            return
        with self._lock:
            context = self._open.pop(op, None)
            if context is None:
                raise ConfigurationError(
                    f"history op {op} of {self._system} is unknown or already completed; "
                    "complete each invoke exactly once"
                )
            invoked = self._rows[op]
            if kind == OK and context.doubtful is not None:
                kind, outcome = INFO, context.doubtful
            self._rows.append(
                (
                    len(self._rows),
                    op,
                    self._clock.now(),
                    time.perf_counter_ns(),
                    invoked[4],
                    kind,
                    invoked[6],
                    key or invoked[7],
                    invoked[8],
                    invoked[9],
                    new_version,
                    value,
                    fields,
                    invoked[13],
                    invoked[14],
                    outcome,
                )
            )

    def records(self, since: int = 0) -> list[dict[str, Any]]:
        """The records from index ``since`` on, as JSON-ready dicts (values hashed)."""
        with self._lock:
            rows = self._rows[since:]
        return [self._export_row(row) for row in rows]

    def export_jsonl(self, since: int = 0) -> str:
        """The records as JSON Lines, one operation per line, in index order."""
        return "".join(
            json.dumps(record, ensure_ascii=False) + "\n" for record in self.records(since)
        )

    def open_operations(self) -> list[int]:
        """Invokes still waiting for a completion (in flight, or lost by a bug)."""
        with self._lock:
            return sorted(self._open)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self._open.clear()

    def _export_row(self, row: tuple[Any, ...]) -> dict[str, Any]:
        (
            index,
            op,
            instant,
            mono,
            process,
            kind,
            f,
            key,
            field,
            base,
            new,
            value,
            fields,
            idem,
            attempt,
            outcome,
        ) = row
        return {
            "index": index,
            "op": op,
            "time": _iso(instant),
            "mono_ns": mono,
            "system": self._system,
            "process": process,
            "type": kind,
            "f": f,
            "key": key,
            "field": field,
            "base_version": base,
            "new_version": new,
            "value": None if value is _NO_VALUE else value_id(value),
            "fields": None if fields is None else {k: value_id(v) for k, v in fields.items()},
            "idempotency_key": idem,
            "attempt": attempt,
            "outcome": outcome,
        }


def _iso(instant: datetime) -> str:
    return instant.isoformat()

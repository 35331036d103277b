"""Sync latency: from a source system's acknowledgement to visibility in each target.

A persona that gets a 2xx from the source system ``expect``\\ s the change in each target: by a
unique value it wrote (an email, a phone) or by the target record and a predicate (a consent
flag turned off). The observer feeds every change event the targets publish into ``observe``;
the first event that shows the change resolves the mark and reports its latency as a request of
type ``SYNC`` (``CONSENT`` for revocations) named after the path (``portal→crm``). A mark not
seen by its deadline is reported as a failure of that path. Times are ``time.perf_counter()``
of this process at acknowledgement and at receipt of the event, so a slow generator inflates
them (the report states the generator's CPU for that reason).

Pure: no Locust import, so it is tested without gevent.

    tracker = SyncTracker(report=fire, timeout=10.0)
    tracker.expect("portal→crm", "crm", acked=t0, value="p1.w1@load.example.org")
    tracker.observe("crm", "con-000001", record)          # the observer does this
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

SYNC: Final = "SYNC"
CONSENT: Final = "CONSENT"


class Report(Protocol):
    def __call__(self, kind: str, name: str, millis: float, error: str | None) -> None: ...


Predicate = Callable[[Mapping[str, Any]], bool]
Visible = Callable[[str], None]


@dataclass(eq=False)
class Mark:
    path: str
    system: str
    acked: float
    deadline: float
    kind: str = SYNC
    value: str | None = None
    record: str | None = None
    predicate: Predicate | None = None
    on_visible: Visible | None = None
    on_timeout: Callable[[], None] | None = None
    group: Group | None = None


@dataclass(eq=False)
class Group:
    """Several marks that together are one event (a revoke honored at every enforcement
    point): reported once, when the last of them is seen, under ``name``."""

    name: str
    kind: str
    acked: float
    waiting: int = 0
    failed: bool = False


@dataclass
class SyncTracker:
    report: Report
    timeout: float = 10.0
    clock: Callable[[], float] = time.perf_counter
    _by_value: dict[tuple[str, str], list[Mark]] = field(default_factory=dict)
    _by_record: dict[tuple[str, str], list[Mark]] = field(default_factory=dict)
    _pending: set[Mark] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _empty: threading.Event = field(default_factory=threading.Event)
    seen: dict[str, int] = field(default_factory=dict)
    """Resolved marks per path (the smoke test asserts every path has some)."""

    def expect(
        self, path: str, system: str, *, acked: float, value: str | None = None,
        record: str | None = None, predicate: Predicate | None = None,
        on_visible: Visible | None = None, on_timeout: Callable[[], None] | None = None,
        kind: str = SYNC, group: Group | None = None,
    ) -> Mark:  # fmt: skip
        if (value is None) == (record is None):
            raise ValueError(f"mark on {path}: give a unique value or a target record, not both")
        mark = Mark(path, system, acked, acked + self.timeout, kind, value, record, predicate,
                    on_visible, on_timeout, group)  # fmt: skip
        with self._lock:
            if value is not None:
                self._by_value.setdefault((system, value), []).append(mark)
            else:
                assert record is not None
                self._by_record.setdefault((system, record), []).append(mark)
            self._pending.add(mark)
            self._empty.clear()
            if group is not None:
                group.waiting += 1
        return mark

    def group(self, name: str, kind: str, acked: float) -> Group:
        return Group(name, kind, acked)

    def observe(self, system: str, record_id: str, record: Mapping[str, Any]) -> None:
        """One change event of ``system`` about ``record_id`` showing ``record``."""
        now = self.clock()
        found: list[Mark] = []
        with self._lock:
            if self._by_value:
                for text in _strings(record):
                    marks = self._by_value.pop((system, text), None)
                    if marks:
                        found.extend(marks)
            waiting = self._by_record.get((system, record_id))
            if waiting:
                hit = [m for m in waiting if m.predicate is None or m.predicate(record)]
                if hit:
                    rest = [m for m in waiting if m not in hit]
                    if rest:
                        self._by_record[(system, record_id)] = rest
                    else:
                        del self._by_record[(system, record_id)]
                    found.extend(hit)
            found = [m for m in found if m in self._pending]
            for mark in found:
                self._pending.discard(mark)
        for mark in found:
            self._resolved(mark, record_id, now)
        self._maybe_empty()

    def sweep(self) -> int:
        """Report every mark past its deadline as a failure; returns how many."""
        now = self.clock()
        with self._lock:
            late = [m for m in self._pending if m.deadline <= now]
            for mark in late:
                self._forget(mark)
        for mark in late:
            self._failed(mark, f"not visible in {mark.system} within {self.timeout:g}s")
        self._maybe_empty()
        return len(late)

    def drain(self, timeout: float) -> int:
        """Wait until every mark is resolved or ``timeout`` passes; the rest fail. Returns
        how many were still pending at the end."""
        deadline = self.clock() + timeout
        while self.pending() and self.clock() < deadline:
            self._empty.wait(min(0.1, max(0.0, deadline - self.clock())))
            self.sweep()
        with self._lock:
            left = list(self._pending)
            for mark in left:
                self._forget(mark)
        for mark in left:
            self._failed(mark, f"still not visible in {mark.system} when the run ended")
        self._maybe_empty()
        return len(left)

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    # -- internals ----------------------------------------------------------------------------
    def _forget(self, mark: Mark) -> None:
        self._pending.discard(mark)
        index, key = ((self._by_value, (mark.system, mark.value)) if mark.value is not None
                      else (self._by_record, (mark.system, mark.record or "")))  # fmt: skip
        marks = index.get(key)
        if marks and mark in marks:
            marks.remove(mark)
            if not marks:
                del index[key]

    def _resolved(self, mark: Mark, record_id: str, now: float) -> None:
        self.seen[mark.path] = self.seen.get(mark.path, 0) + 1
        self.report(mark.kind, mark.path, (now - mark.acked) * 1000.0, None)
        if mark.on_visible is not None:
            mark.on_visible(record_id)
        group = mark.group
        if group is not None:
            group.waiting -= 1
            if group.waiting == 0 and not group.failed:
                self.seen[group.name] = self.seen.get(group.name, 0) + 1
                self.report(group.kind, group.name, (now - group.acked) * 1000.0, None)

    def _failed(self, mark: Mark, why: str) -> None:
        self.report(mark.kind, mark.path, (self.clock() - mark.acked) * 1000.0, why)
        if mark.on_timeout is not None:
            mark.on_timeout()
        group = mark.group
        if group is not None and not group.failed:
            group.failed = True
            self.report(group.kind, group.name, (self.clock() - group.acked) * 1000.0, why)

    def _maybe_empty(self) -> None:
        with self._lock:
            if not self._pending:
                self._empty.set()


def _strings(node: Any) -> Iterator[str]:
    """Every string leaf of a JSON value (the values a target record shows)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)

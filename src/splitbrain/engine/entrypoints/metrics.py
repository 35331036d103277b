"""``/metrics``: the weekly metrics of DESIGN §11 and the queue depths, for Prometheus.

A custom collector reads the store at scrape time (no counters to keep in step), so several
engine processes on one PostgreSQL store all report the same truth. Names are prefixed
``splitbrain_``; labels are field names and states, never values.

Audit completeness is incremental (``AuditScan``): a scrape reads only the audit entries after
the last one it checked, so it costs O(new entries), not O(log). Store-busy retries
(``splitbrain_store_busy_retries_total``) are counted by the worker's ``BusyRetry``; events
ignored by kind (``splitbrain_events_ignored_total``: unsynced event types, echoes) and workflow
events waiting for their subject's record (``splitbrain_subject_waits_total``) by the worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.sync.busy import BusyRetry
from splitbrain.engine.service_layer.sync.gates import Figures
from splitbrain.engine.service_layer.sync.ports import SyncStore
from splitbrain.engine.service_layer.sync.worker import SyncWorker


@dataclass(frozen=True, slots=True)
class Extra:
    """Figures the service measures itself (rates over what it saw)."""

    duplicate_creation_rate: Callable[[], float]
    revocation_propagation_seconds: Callable[[], float | None]
    crm_fields_tokenized_share: Callable[[], float]
    audit_completeness: Callable[[], float]
    store_busy_retries: Callable[[], int] = lambda: 0
    ignored: Callable[[], Mapping[str, int]] = lambda: {}
    subject_waits: Callable[[], Mapping[str, int]] = lambda: {}


@dataclass
class AuditScan:
    """Audit completeness, read incrementally: remembers the last audit seq it checked."""

    engine: Engine
    action: str = "write.decide"
    seq: int = 0
    """The last audit entry checked."""
    decisions: int = 0
    """``write.decide`` entries seen up to ``seq``."""
    rows_read: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> float:
        with self._lock:
            self.engine.flush()
            after = self.seq
            entries = self.engine.read(lambda uow: list(uow.audit.entries_after(after)))
            for entry in entries:
                self.rows_read += 1
                self.seq = entry.seq
                self.decisions += entry.event.action == self.action
            found = self.decisions
        decided = self.engine.metrics().writes_decided
        return min(1.0, found / decided) if decided else 1.0


def extra_for(
    engine: Engine, figures: Figures, busy: BusyRetry | None = None,
    worker: SyncWorker | None = None,
) -> Extra:  # fmt: skip
    def duplicate_rate() -> float:
        persons = engine.read(lambda uow: uow.identity.persons.count())
        reviews = len(engine.review_items(open_only=False))
        return reviews / persons if persons else 0.0

    def busy_retries() -> int:
        return busy.retries if busy is not None else 0

    def ignored() -> Mapping[str, int]:
        return dict(worker.ignored) if worker is not None else {}

    def subject_waits() -> Mapping[str, int]:
        return dict(worker.subjects.counts) if worker is not None else {}

    return Extra(duplicate_rate, figures.last_revocation, figures.tokenized_share,
                 AuditScan(engine), busy_retries, ignored, subject_waits)  # fmt: skip


class EngineCollector(Collector):
    def __init__(self, engine: Engine, store: SyncStore, extra: Extra) -> None:
        self.engine = engine
        self.store = store
        self.extra = extra

    def collect(self) -> Iterator[Metric]:
        m = self.engine.metrics()
        yield _gauge("writes_decided", "Writes decided by the engine", m.writes_decided)
        decided = CounterMetricFamily("splitbrain_decisions", "Decisions by kind", labels=["kind"])
        kinds = (("applied", m.applied), ("rejected", m.rejected), ("escalated", m.escalated),
                 ("duplicate", m.duplicate_deliveries))  # fmt: skip
        for kind, value in kinds:
            decided.add_metric([kind], value)
        yield decided
        by_field = CounterMetricFamily(
            "splitbrain_conflict_events", "Conflict events by field", labels=["field"]
        )
        for name, count in m.conflict_events_by_field.items():
            by_field.add_metric([name], count)
        yield by_field
        overrides = CounterMetricFamily(
            "splitbrain_manual_overrides_protected",
            "Manual overrides on protected (critical) fields",
            labels=["field"],
        )
        for name, count in m.manual_overrides_on_protected_fields.items():
            overrides.add_metric([name], count)
        yield overrides
        yield _gauge("open_conflicts", "Unresolved conflict items", m.open_conflicts)
        yield _gauge(
            "unresolved_queue_age_seconds", "Age of the oldest unresolved conflict",
            m.unresolved_queue_age.total_seconds(),
        )  # fmt: skip
        mttr = m.mean_time_to_resolution
        yield _gauge(
            "mean_time_to_resolution_seconds", "Mean time to resolve a conflict",
            mttr.total_seconds() if mttr is not None else 0.0,
        )  # fmt: skip
        yield _gauge(
            "rejected_by_owner_policy_ratio", "Share of writes rejected by owner policy",
            m.share_rejected_by_owner_policy,
        )  # fmt: skip
        yield _gauge(
            "duplicate_creation_rate", "Share of new records that created a duplicate person",
            self.extra.duplicate_creation_rate(),
        )  # fmt: skip
        propagation = self.extra.revocation_propagation_seconds()
        yield _gauge(
            "revocation_propagation_seconds",
            "Latest revocation: portal revoke received to CRM flag delivered",
            propagation if propagation is not None else 0.0,
        )
        yield _gauge(
            "crm_fields_tokenized_ratio", "Share of CRM patient references that are tokens",
            self.extra.crm_fields_tokenized_share(),
        )  # fmt: skip
        yield _gauge(
            "audit_completeness_ratio", "Share of decisions with their audit entry",
            self.extra.audit_completeness(),
        )  # fmt: skip
        yield CounterMetricFamily(
            "splitbrain_store_busy_retries", "Store transactions run again after StoreBusy",
            value=self.extra.store_busy_retries(),
        )  # fmt: skip
        yield _counts("events_ignored", "Events read but ignored, by kind", "kind",
                      self.extra.ignored())  # fmt: skip
        yield _counts("subject_waits", "Workflow events that waited for their subject's record",
                      "outcome", self.extra.subject_waits())  # fmt: skip
        depths = self.store.depths()
        inbox = GaugeMetricFamily("splitbrain_inbox", "Inbox items by state", labels=["state"])
        for state, count in sorted(depths.inbox.items()):
            inbox.add_metric([state], count)
        yield inbox
        outbox = GaugeMetricFamily("splitbrain_outbox", "Outbox effects by state", labels=["state"])
        for state, count in sorted(depths.outbox.items()):
            outbox.add_metric([state], count)
        yield outbox
        yield _gauge("open_incidents", "Open incidents (dead letters)", depths.open_incidents)


def _counts(name: str, doc: str, label: str, counts: Mapping[str, int]) -> CounterMetricFamily:
    family = CounterMetricFamily(f"splitbrain_{name}", doc, labels=[label])
    for key, count in sorted(counts.items()):
        family.add_metric([key], count)
    return family


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"splitbrain_{name}", doc, value=value)

"""The weekly metrics of DESIGN §11 that the write path can compute, read from the store.

- conflict events by field: escalations (``ConflictEscalated``) per field;
- manual overrides on protected fields: manual writes with an override reason applied to a
  ``critical`` field, per field;
- unresolved conflict queue age: how long the oldest open item has waited;
- mean time to resolution over resolved items;
- share of writes rejected by owner policy: ``not_owner`` rejections over the writes decided
  (duplicate deliveries and the application of a conflict's chosen write are not new writes).

Example::

    m = engine.metrics()
    m.share_rejected_by_owner_policy      # 0.25
    m.conflict_events_by_field            # {"legal_name": 2, "contact_preference": 1}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from splitbrain.engine.domain.conflicts import (
    ConflictItem,
    ConflictStatus,
    mean_time_to_resolution,
    queue_age,
)
from splitbrain.engine.domain.decisions import RejectReason
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.events import RESOLUTION_RULE
from splitbrain.engine.service_layer.unit_of_work import AbstractUnitOfWork, DecisionRow


@dataclass(frozen=True, slots=True)
class EngineMetrics:
    at: datetime
    writes_decided: int
    applied: int
    rejected: int
    escalated: int
    duplicate_deliveries: int
    rejected_by_owner_policy: int
    conflict_events_by_field: Mapping[str, int]
    manual_overrides_on_protected_fields: Mapping[str, int]
    open_conflicts: int
    resolved_conflicts: int
    overdue_escalations: int
    unresolved_queue_age: timedelta
    mean_time_to_resolution: timedelta | None

    @property
    def share_rejected_by_owner_policy(self) -> float:
        """``not_owner`` rejections over writes decided; 0.0 before the first write."""
        return self.rejected_by_owner_policy / self.writes_decided if self.writes_decided else 0.0

    @property
    def manual_overrides_total(self) -> int:
        return sum(self.manual_overrides_on_protected_fields.values())


def read_metrics(uow: AbstractUnitOfWork, policy: Policy, now: datetime) -> EngineMetrics:
    """Compute the metrics from the store behind ``uow`` (read only)."""
    with uow:
        return compute_metrics(
            uow.decisions.rows(), uow.conflicts.list(open_only=False), policy, now
        )


def compute_metrics(
    rows: Iterable[DecisionRow], items: Sequence[ConflictItem], policy: Policy, now: datetime
) -> EngineMetrics:
    """The metrics over a decision log and the conflict queue, as of ``now``."""
    kinds: Counter[str] = Counter()
    conflicts: Counter[str] = Counter()
    overrides: Counter[str] = Counter()
    not_owner = 0
    for row in rows:
        if row.rule == RESOLUTION_RULE:
            continue
        kinds[row.kind] += 1
        conflicts.update([row.field] if row.kind == "escalated" else [])
        overrides.update([row.field] if _protected_override(row, policy) else [])
        not_owner += row.reason == RejectReason.NOT_OWNER.value
    return EngineMetrics(
        at=now,
        writes_decided=kinds["applied"] + kinds["rejected"] + kinds["escalated"],
        applied=kinds["applied"],
        rejected=kinds["rejected"],
        escalated=kinds["escalated"],
        duplicate_deliveries=kinds["duplicate"],
        rejected_by_owner_policy=not_owner,
        conflict_events_by_field=dict(sorted(conflicts.items())),
        manual_overrides_on_protected_fields=dict(sorted(overrides.items())),
        open_conflicts=sum(item.status is ConflictStatus.OPEN for item in items),
        resolved_conflicts=sum(item.status is ConflictStatus.RESOLVED for item in items),
        overdue_escalations=sum(item.overdue_escalated_at is not None for item in items),
        unresolved_queue_age=queue_age(items, now),
        mean_time_to_resolution=mean_time_to_resolution(items),
    )


def _protected_override(row: DecisionRow, policy: Policy) -> bool:
    row_policy = policy.fields.get(row.field)
    return row.kind == "applied" and row.override and row_policy is not None and row_policy.critical

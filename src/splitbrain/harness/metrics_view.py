"""The weekly metrics (DESIGN §11) as lines people read: a name, a value, what it tells them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from splitbrain.engine.service_layer.metrics import EngineMetrics
from splitbrain.harness.report import MetricLine


def metric_lines(m: EngineMetrics) -> list[MetricLine]:
    return [
        MetricLine(
            "Writes decided",
            str(m.writes_decided),
            f"{m.applied} applied, {m.rejected} rejected, {m.escalated} escalated, "
            f"{m.duplicate_deliveries} redelivered writes absorbed",
        ),
        MetricLine(
            "Share of writes rejected by owner policy",
            f"{m.share_rejected_by_owner_policy:.1%}",
            "writes from a system or role the matrix does not allow; a rising share "
            "means an integration or a team is writing where it should not",
        ),
        MetricLine(
            "Conflict events by field",
            _counts(m.conflict_events_by_field),
            "conflicts no rule could settle, sent to the escalation owner",
        ),
        MetricLine(
            "Manual overrides on protected fields",
            _counts(m.manual_overrides_on_protected_fields),
            "hand edits of critical fields, each with a written reason",
        ),
        MetricLine(
            "Unresolved conflict queue",
            f"{m.open_conflicts} open, oldest {_duration(m.unresolved_queue_age)}",
            "if duplicates fall but this age rises, the policy is right and the "
            "remediation capacity is not",
        ),
        MetricLine(
            "Mean time to resolution",
            _duration(m.mean_time_to_resolution) if m.mean_time_to_resolution else "-",
            f"over {m.resolved_conflicts} resolved conflicts; "
            f"{m.overdue_escalations} escalated for missing their SLA",
        ),
    ]


def _counts(by_field: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(by_field.items())) or "none"


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"

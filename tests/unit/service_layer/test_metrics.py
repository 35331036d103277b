"""The DESIGN §11 metrics the write path computes, on a known sequence of writes."""

from __future__ import annotations

from datetime import timedelta

from splitbrain.engine.domain.decisions import ConflictEscalated
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.engine import Engine
from tests.unit.service_layer.small_policy import T0, Writes


def test_metrics_count_a_known_sequence(engine: Engine, writes: Writes, clock: FixedClock) -> None:
    source = writes("lead_source", "web_form")
    engine.ingest(source)  # applied
    engine.ingest(source)  # duplicate delivery: not a new write
    engine.ingest(writes("medication_plan", "plan-a"))  # not_owner
    engine.ingest(writes("medication_plan", "plan-b", system="portal", role="patient"))  # not_owner
    engine.ingest(writes("legal_name", "name-a", manual=True))  # critical, no reason: rejected
    engine.ingest(writes("legal_name", "name-b", manual=True, override_reason="ID checked"))
    first = engine.ingest(writes("lead_source", "referral", base=0))  # escalated at T0
    clock.advance(timedelta(hours=2))
    second = engine.ingest(writes("lead_source", "event", base=0))  # escalated at T0+2h
    assert isinstance(first, ConflictEscalated) and isinstance(second, ConflictEscalated)
    clock.advance(timedelta(hours=4))
    engine.resolve(
        first.conflict_id,
        resolver="usr_9",
        role="growth_ops",
        reason="checked",
        chosen_key=first.write.idempotency_key,
    )
    clock.advance(timedelta(hours=1))

    m = engine.metrics()

    assert (m.writes_decided, m.applied, m.rejected, m.escalated) == (7, 2, 3, 2)
    assert m.duplicate_deliveries == 1
    assert m.rejected_by_owner_policy == 2
    assert m.share_rejected_by_owner_policy == 2 / 7
    assert m.conflict_events_by_field == {"lead_source": 2}
    assert m.manual_overrides_on_protected_fields == {"legal_name": 1}
    assert (m.open_conflicts, m.resolved_conflicts) == (1, 1)
    assert m.unresolved_queue_age == timedelta(hours=5)
    assert m.mean_time_to_resolution == timedelta(hours=6)
    assert m.at == T0 + timedelta(hours=7)


def test_metrics_of_an_empty_engine_are_zero(engine: Engine) -> None:
    m = engine.metrics()

    assert (m.writes_decided, m.share_rejected_by_owner_policy) == (0, 0.0)
    assert m.unresolved_queue_age == timedelta(0)
    assert m.mean_time_to_resolution is None

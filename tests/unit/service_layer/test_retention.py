"""Idempotency keys are kept for a retention window, then purged by a maintenance command."""

from __future__ import annotations

from datetime import timedelta

from splitbrain.engine.domain.decisions import DuplicateDelivery, WriteRejected
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.engine import Engine
from tests.unit.service_layer.small_policy import Writes


def test_keys_within_retention_still_answer_duplicates(
    engine: Engine, writes: Writes, clock: FixedClock
) -> None:
    write = writes("medication_plan", "plan-a")
    engine.ingest(write)
    clock.advance(timedelta(days=29))

    purged = engine.purge_idempotency_keys(timedelta(days=30))

    assert purged == 0
    assert isinstance(engine.ingest(write), DuplicateDelivery)


def test_after_retention_a_redelivery_is_decided_as_a_new_write(
    engine: Engine, writes: Writes, clock: FixedClock
) -> None:
    old, recent = writes("medication_plan", "plan-a"), writes("medication_plan", "plan-b")
    engine.ingest(old)
    clock.advance(timedelta(days=20))
    engine.ingest(recent)
    clock.advance(timedelta(days=11))

    purged = engine.purge_idempotency_keys(timedelta(days=30))

    assert purged == 1
    assert isinstance(engine.ingest(old), WriteRejected)
    assert isinstance(engine.ingest(recent), DuplicateDelivery)
    purges = [e for e in engine.audit_entries() if e.event.action == "idempotency.purge"]
    assert dict(purges[0].event.extra)["count"] == "1"

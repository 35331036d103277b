"""Seeding a fresh field's starting state: audited, and refused where it would bypass a write."""

from __future__ import annotations

import pytest

from splitbrain.engine.domain.decisions import ConflictEscalated
from splitbrain.engine.domain.policy import Provenance
from splitbrain.engine.domain.write import FieldState
from splitbrain.engine.service_layer.engine import Engine
from splitbrain.engine.service_layer.errors import SeedRefused
from tests.unit.service_layer.small_policy import T0, Writes

SEEDED = FieldState(
    person="per_0001",
    field="lead_source",
    value="web_form",
    version=3,
    provenance=Provenance.USER_ENTERED,
    system="crm",
    role="growth_ops",
    occurred_at=T0,
    idempotency_key="seed:per_0001:lead_source",
)


def test_seeded_state_is_the_starting_point_for_later_writes(
    engine: Engine, writes: Writes
) -> None:
    engine.seed(SEEDED)

    stale = engine.ingest(writes("lead_source", "referral", base=2))

    assert engine.field("per_0001", "lead_source") == SEEDED
    assert isinstance(stale, ConflictEscalated)
    assert stale.competing_key == SEEDED.idempotency_key
    assert [e.event.action for e in engine.audit_entries()] == ["field.seed", "write.decide"]
    assert engine.metrics().writes_decided == 1


def test_a_written_field_cannot_be_seeded(engine: Engine, writes: Writes) -> None:
    engine.ingest(writes("lead_source", "web_form"))

    with pytest.raises(SeedRefused, match="version 1"):
        engine.seed(SEEDED)


def test_a_field_outside_the_matrix_cannot_be_seeded(engine: Engine) -> None:
    unknown = FieldState(person="per_0001", field="shoe_size", value="9", version=1)

    with pytest.raises(SeedRefused, match="shoe_size"):
        engine.seed(unknown)

"""What the engine writes to the audit log: ids, codes and fingerprints, never values."""

from __future__ import annotations

from splitbrain.engine.domain.audit import AuditOutcome
from splitbrain.engine.service_layer.engine import Engine
from tests.unit.service_layer.small_policy import Writes


def test_audit_entries_hold_fingerprints_never_the_written_values(
    engine: Engine, writes: Writes
) -> None:
    values = ["Ana Maria Silva", "+1 555 0100 123", "ana@example.org"]
    for value in values:
        engine.ingest(writes("legal_name", value, role="intake_ops"))
    engine.ingest(writes("medication_plan", "semaglutide 0.5 mg"))

    logged = b"".join(entry.event.canonical_bytes() for entry in engine.audit_entries())

    assert not any(value.encode() in logged for value in [*values, "semaglutide 0.5 mg"])
    assert logged.count(b"fp1:") == 4


def test_identifiers_that_are_not_codes_are_fingerprinted_instead_of_failing(
    engine: Engine, writes: Writes
) -> None:
    write = writes("lead_source", "web_form", correlation_id="ana@example.org call 3")

    engine.ingest(write)

    [entry] = engine.audit_entries()
    assert entry.event.outcome is AuditOutcome.APPLIED
    assert entry.event.correlation_id is not None
    assert entry.event.correlation_id.startswith("fp1:")


def test_each_decision_names_its_rule_and_idempotency_key(engine: Engine, writes: Writes) -> None:
    write = writes("medication_plan", "plan-a")

    engine.ingest(write)

    [entry] = engine.audit_entries()
    extra = dict(entry.event.extra)
    assert (extra["rule"], extra["idempotency_key"]) == ("ownership", write.idempotency_key)
    assert entry.event.matrix_version == "1"

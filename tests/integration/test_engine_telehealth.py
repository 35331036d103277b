"""A few writes through the SQLite engine under the shipped telehealth matrix."""

from __future__ import annotations

from pathlib import Path

import pytest

from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.decisions import FieldApplied, RejectReason, WriteRejected
from splitbrain.engine.domain.policy import Policy, Provenance
from splitbrain.engine.service_layer.clock import FixedClock
from tests.unit.service_layer.small_policy import T0, Writes

MATRIX = Path(__file__).parents[2] / "scenarios" / "matrices" / "telehealth.yaml"


@pytest.fixture(scope="module")
def telehealth() -> Policy:
    return load_policy(MATRIX)


def test_legal_name_moves_from_crm_to_ehr_when_the_person_enters_care(
    telehealth: Policy, tmp_path: Path
) -> None:
    writes = Writes()
    engine = bootstrap(
        store=f"sqlite:{tmp_path / 'engine.sqlite'}", policy=telehealth, clock=FixedClock(T0)
    )
    intake = engine.ingest(writes("legal_name", "name-a", role="intake_ops", base=0))
    engine.ingest(writes("care_stage", "Active Patient", role="growth_ops", base=0))
    crm_late = engine.ingest(writes("legal_name", "name-b", role="growth_ops", base=1))
    provider = engine.ingest(
        writes(
            "legal_name",
            "name-c",
            system="ehr",
            role="provider",
            base=1,
            provenance=Provenance.PROVIDER_VERIFIED,
        )
    )
    automation = engine.ingest(writes("medication_plan", "plan-a", role="automation"))

    assert isinstance(intake, FieldApplied)
    assert engine.stage("per_0001") == "in_care"
    assert isinstance(crm_late, WriteRejected) and crm_late.reason is RejectReason.NOT_OWNER
    assert isinstance(provider, FieldApplied) and provider.matrix_version == telehealth.version
    assert isinstance(automation, WriteRejected) and automation.reason is RejectReason.NOT_OWNER
    assert engine.field("per_0001", "legal_name").value == "name-c"
    assert engine.metrics().rejected_by_owner_policy == 2
    assert engine.verify_audit().ok
    engine.close()

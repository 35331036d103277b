from __future__ import annotations

import pytest

from splitbrain.engine.domain.identity.bands import (
    EligibilityGate,
    Placeholders,
    Thresholds,
)
from splitbrain.engine.domain.identity.errors import ModelInvalid
from splitbrain.engine.domain.identity.record import IdentityRecord as R


@pytest.mark.parametrize(
    ("score", "band"),
    [(20.0, "high"), (16.0, "medium"), (10.0, "medium"), (6.0, "low"), (1.0, "low"),
     (0.0, "none"), (-30.0, "none")],
)  # fmt: skip
def test_scores_fall_into_bands_and_a_tie_takes_the_lower_band(score: float, band: str) -> None:
    assert Thresholds(high=16, medium=6, low=0).band(score) == band


def test_the_upper_tie_rule_puts_a_score_on_a_threshold_in_the_band_above() -> None:
    thresholds = Thresholds(high=16, medium=6, low=0, on_threshold="upper")

    assert thresholds.band(16.0) == "high"
    assert thresholds.band(6.0) == "medium"
    assert thresholds.band(0.0) == "low"


def test_thresholds_must_descend() -> None:
    with pytest.raises(ModelInvalid):
        Thresholds(high=6, medium=6, low=0)


PLACEHOLDERS = Placeholders(
    {"given": frozenset({"unknown"}), "date_of_birth": frozenset({"1900-01-01"}),
     "phone": frozenset({"+15555550100"})},
    names=frozenset({"test patient"}),
)  # fmt: skip


def test_placeholders_are_scrubbed_to_none_before_comparing() -> None:
    gate = EligibilityGate(PLACEHOLDERS)
    record = R("ehr", "e-1", given="unknown", family="okafor", date_of_birth="1900-01-01")

    clean = gate.scrub(record)

    assert clean.given is None and clean.date_of_birth is None
    assert clean.family == "okafor"
    assert gate.scrub(R("ehr", "e-2", given="ana")) == R("ehr", "e-2", given="ana")


def test_a_placeholder_identity_is_not_eligible_for_auto_linking() -> None:
    gate = EligibilityGate(PLACEHOLDERS)
    record = R("ehr", "e-1", given="test", family="patient", phone="+15555550100",
               email="t@example.org")  # fmt: skip

    reasons = gate.reasons(record)

    assert "placeholder_name" in reasons
    assert "placeholder_phone" in reasons


def test_a_record_with_too_little_identity_data_is_not_eligible() -> None:
    gate = EligibilityGate(PLACEHOLDERS)

    assert gate.reasons(R("crm", "c-1", given="ana", family="okafor")) == (
        "too_little_identity_data",
    )
    assert gate.reasons(R("crm", "c-2", given="ana", family="okafor", phone="+12125550142")) == ()


def test_placeholders_refuse_unknown_fields() -> None:
    with pytest.raises(ModelInvalid):
        Placeholders({"nickname": frozenset({"x"})})

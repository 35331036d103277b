"""The runner reads each system's end value back in canonical words, and knows which writes race."""

from __future__ import annotations

from pathlib import Path

import pytest

from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.domain.policy import Policy
from splitbrain.harness.catalog import load_case
from splitbrain.harness.runner.races import race_bounds
from splitbrain.harness.runner.readback import held

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(ROOT / "scenarios" / "matrices" / "telehealth.yaml")


@pytest.mark.parametrize(
    ("system", "field", "resource", "canonical"),
    [
        ("crm", "care_stage", {"stage": "Closed - Program Complete"}, "discharged"),
        ("crm", "contact_preference", {"custom": {"contact_preference": "Text"}}, "sms"),
        ("crm", "contact_preference", {"custom": {}}, None),
        ("portal", "contact_preference", {"preferred_channel": "phone"}, "phone_call"),
        ("portal", "contact_preference", {"preferred_channel": "sms", "do_not_contact": True},
         "no_contact"),
        ("crm", "legal_name", {"first_name": "Ana B.", "last_name": "Synthetica"},
         "Ana B. Synthetica"),
        ("portal", "legal_name", {"given_name": "Ana", "family_name": None}, "Ana"),
        ("portal", "date_of_birth", {"birth_date": "1984-02-29"}, "1984-02-29"),
        ("ehr", "legal_name", {"name": [{"given": ["Ana", "D."], "family": "Synthetica"}]},
         "Ana D. Synthetica"),
        ("ehr", "date_of_birth", {"birthDate": "1984-02-29"}, "1984-02-29"),
        ("ehr", "legal_name", {"name": []}, None),
        ("crm", "lead_source", {"lead_source": "referral"}, "referral"),
    ],
)  # fmt: skip
def test_a_system_value_reads_back_in_canonical_words(
    policy: Policy, system: str, field: str, resource: dict[str, object], canonical: str | None
) -> None:
    assert held(system, field, resource, policy) == canonical


def test_a_local_name_the_matrix_does_not_map_reads_back_as_written(policy: Policy) -> None:
    assert held("crm", "care_stage", {"stage": "Nurture Drip"}, policy) == "Nurture Drip"


def test_writes_sharing_a_base_version_race_from_the_first_to_the_last() -> None:
    case = load_case(next((ROOT / "scenarios" / "conflicts").glob("CC-13-*.yaml")))

    assert race_bounds(case) == ({"w1"}, {"w2"})


def test_a_case_without_shared_base_versions_has_no_race() -> None:
    case = load_case(next((ROOT / "scenarios" / "conflicts").glob("CC-16-*.yaml")))

    assert race_bounds(case) == (set(), set())

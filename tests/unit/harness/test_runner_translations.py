"""``harness.runner.translations``: a catalog write as the simulator API call that makes it, with
enum values in each system's own words from the telehealth matrix."""

from __future__ import annotations

from pathlib import Path

import pytest

from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.domain.policy import Policy
from splitbrain.harness.runner.translations import body_of, resource_path

MATRIX = Path(__file__).resolve().parents[3] / "scenarios" / "matrices" / "telehealth.yaml"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(MATRIX)


def test_a_portal_contact_preference_write_goes_to_the_preferences_resource() -> None:
    assert resource_path("portal", "contact_preference", "acc-1") == "/accounts/acc-1/preferences"
    assert resource_path("portal", "legal_name", "acc-1") == "/accounts/acc-1"
    assert resource_path("crm", "contact_preference", "con-1") == "/contacts/con-1"


def test_a_crm_contact_preference_is_written_in_the_crms_words_into_custom(
    policy: Policy,
) -> None:
    assert body_of("crm", "contact_preference", "sms", {}, policy) == (
        "PATCH", {"custom": {"contact_preference": "Text"}},
    )  # fmt: skip


@pytest.mark.parametrize(("canonical", "local"), [("email", "email"), ("phone_call", "phone")])
def test_a_portal_contact_preference_is_written_as_a_channel_the_portal_accepts(
    policy: Policy, canonical: str, local: str
) -> None:
    assert body_of("portal", "contact_preference", canonical, {}, policy) == (
        "PATCH", {"preferred_channel": local},
    )  # fmt: skip


def test_a_portal_no_contact_sets_the_portals_do_not_contact_flag(policy: Policy) -> None:
    assert body_of("portal", "contact_preference", "no_contact", {}, policy) == (
        "PATCH", {"do_not_contact": True},
    )  # fmt: skip


def test_the_portals_channel_words_come_from_the_matrix_both_ways(policy: Policy) -> None:
    table = policy.enums["contact_preference"]

    assert table.to_local("portal", "phone_call") == "phone"
    assert table.to_canonical("portal", "phone") == "phone_call"
    assert table.to_canonical("portal", "mail") is None  # a portal channel the matrix has not


def test_a_care_stage_goes_out_in_the_crm_pipelines_words_and_an_unmapped_one_as_is(
    policy: Policy,
) -> None:
    mapped = body_of("crm", "care_stage", "in_care", {}, policy)[1]["stage"]
    assert policy.enums["care_stage"].to_canonical("crm", mapped) == "in_care"
    assert body_of("crm", "care_stage", "Nurture Drip", {}, policy) == (
        "PATCH", {"stage": "Nurture Drip"},
    )  # fmt: skip


def test_an_ehr_write_replaces_the_patient_without_its_server_meta(policy: Policy) -> None:
    current = {"resourceType": "Patient", "id": "7", "meta": {"versionId": "2"}}

    method, body = body_of("ehr", "legal_name", "Ana Maria Synthetica", current, policy)

    assert method == "PUT"
    assert body == {"resourceType": "Patient", "id": "7",
                    "name": [{"given": ["Ana", "Maria"], "family": "Synthetica"}]}  # fmt: skip

"""compile_disclosure and DisclosurePolicy: classes, handling, retention, unsafe paths refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from splitbrain.engine.adapters.disclosure_paths import load_disclosure
from splitbrain.engine.domain.disclosure import (
    CRM,
    HANDLING,
    DisclosurePath,
    DisclosurePolicy,
    Display,
    FieldRule,
    PathInvalid,
    PathKey,
    Transform,
    UnknownField,
    UnknownSummary,
    UnsafePath,
    compile_disclosure,
    glp1_therapy,
    lead_channel,
)
from splitbrain.engine.domain.policy import DisclosureClass, Policy
from splitbrain.matrix import MatrixLintError
from tests.unit.matrix.matrices import TELEHEALTH

BAD_PATHS = TELEHEALTH.parents[2] / "tests" / "unit" / "matrix" / "bad_paths"

TOKEN_SUBJECT = FieldRule("subject", Transform.TOKENIZE, token_domain="patient")


def _path(
    destination: str, *rules: FieldRule, subject: FieldRule = TOKEN_SUBJECT
) -> DisclosurePath:
    return DisclosurePath(
        "under_test",
        PathKey("ehr", destination, "TREAT"),
        {rule.field: rule for rule in rules},
        subject=subject,
    )


def test_the_shipped_paths_compile_into_one_path_per_key(disclosure: DisclosurePolicy) -> None:
    assert len(disclosure.paths) == 7
    assert disclosure.version == "1"
    assert (disclosure.matrix, disclosure.matrix_version) == ("telehealth", "3")
    marketing = disclosure.path("ehr", "crm", "HMARKT")
    assert marketing is not None and marketing.consent == "HMARKT"
    assert disclosure.path("ehr", "crm", "HRESCH") is None


def test_classify_reads_the_class_from_the_matrix(disclosure: DisclosurePolicy) -> None:
    assert disclosure.classify("diagnosis") is DisclosureClass.PHI_RESTRICTED
    assert disclosure.classify("provider_notes_summary") is DisclosureClass.HIGHLY_RESTRICTED
    assert disclosure.classify("lead_source") is DisclosureClass.OPERATIONAL


def test_classify_of_an_unknown_field_is_refused(disclosure: DisclosurePolicy) -> None:
    with pytest.raises(UnknownField, match="'ssn'"):
        disclosure.classify("ssn")


def test_handling_drives_display_and_logging(disclosure: DisclosurePolicy) -> None:
    assert disclosure.handling("lead_source").display("referral") == "referral"
    assert disclosure.handling("phone").display("+15550100123") == "••••••••••23"
    assert disclosure.handling("diagnosis").display("E66.9") == "[withheld]"
    assert disclosure.handling("phone").display("1234") == "[withheld]"
    assert not disclosure.handling("provider_notes_summary").fingerprint_in_logs
    assert HANDLING[DisclosureClass.PHI_RESTRICTED].shown is Display.WITHHELD


def test_retention_comes_from_the_path_and_nothing_dropped_is_kept(
    disclosure: DisclosurePolicy,
) -> None:
    care = disclosure.path("ehr", "crm", "TREAT")
    assert care is not None

    assert disclosure.retention(care, "phone") == timedelta(days=6 * 365)
    assert disclosure.retention(care, "diagnosis") is None
    assert disclosure.retention(care, "lab_interpretation") is None


@pytest.mark.parametrize("field", ["diagnosis", "provider_notes_summary"])
def test_a_restricted_field_raw_to_the_crm_is_refused_at_compile(
    policy: Policy, field: str
) -> None:
    with pytest.raises(UnsafePath, match=f"'{field}' raw to the CRM"):
        compile_disclosure(policy, [_path(CRM, FieldRule(field))], version="t")


def test_a_highly_restricted_field_raw_out_of_its_owner_is_refused(policy: Policy) -> None:
    path = _path("portal", FieldRule("provider_notes_summary"))

    with pytest.raises(UnsafePath, match="out of its owner"):
        compile_disclosure(policy, [path], version="t")


@pytest.mark.parametrize(
    "subject",
    [
        FieldRule("subject"),
        FieldRule("subject", Transform.TOKENIZE, token_domain="patient", correlate=False),
        FieldRule("subject", Transform.DROP),
    ],
)
def test_naming_the_person_to_the_crm_without_a_correlating_token_is_refused(
    policy: Policy, subject: FieldRule
) -> None:
    with pytest.raises(UnsafePath, match="subject"):
        compile_disclosure(policy, [_path(CRM, FieldRule("phone"), subject=subject)], version="t")


def test_an_unregistered_summary_is_refused_naming_the_known_ones(policy: Policy) -> None:
    rule = FieldRule("medication_plan", Transform.SUMMARIZE, summary="dose_only")

    with pytest.raises(UnknownSummary, match=r"'dose_only'.*glp1_therapy"):
        compile_disclosure(policy, [_path(CRM, rule)], version="t")


def test_a_registered_summary_can_be_added(policy: Policy) -> None:
    rule = FieldRule("medication_plan", Transform.SUMMARIZE, summary="initials")

    compiled = compile_disclosure(
        policy, [_path(CRM, rule)], version="t", summaries={"initials": lambda v: v[:1]}
    )

    bound = compiled.paths[PathKey("ehr", CRM, "TREAT")].fields["medication_plan"]
    assert bound.summarizer is not None and bound.summarizer("semaglutide") == "s"


def test_an_unknown_field_and_a_repeated_key_are_refused(policy: Policy) -> None:
    with pytest.raises(PathInvalid, match="'ssn'"):
        compile_disclosure(policy, [_path("portal", FieldRule("ssn"))], version="t")
    with pytest.raises(PathInvalid, match="share the key"):
        compile_disclosure(policy, [_path("portal"), _path("portal")], version="t")


def test_a_paths_file_with_lint_errors_is_refused_by_the_loader() -> None:
    with pytest.raises(MatrixLintError, match="SB201"):
        load_disclosure(TELEHEALTH, BAD_PATHS / "SB201.yaml")


@pytest.mark.parametrize(
    ("plan", "summary"),
    [
        ("tirzepatide 5 mg weekly", "on GLP-1 therapy"),
        ("Oral Semaglutide 7 mg daily", "on GLP-1 therapy"),
        ("metformin 500 mg", "on therapy"),
        ("   ", None),
    ],
)
def test_the_glp1_summary_says_therapy_never_drug_or_dose(plan: str, summary: str | None) -> None:
    assert glp1_therapy(plan) == summary


@pytest.mark.parametrize(
    ("source", "channel"),
    [
        ("referral", "referral"),
        ("paid_search/SYN-ALWAYS-ON", "paid_search"),
        ("Ana's friend", None),
    ],
)
def test_the_lead_channel_summary_keeps_the_channel_code_only(
    source: str, channel: str | None
) -> None:
    assert lead_channel(source) == channel

"""apply_path: only the allowed fields leave, each through its transform."""

from __future__ import annotations

import pytest

from splitbrain.engine.domain.disclosure import (
    DisclosurePath,
    DisclosurePolicy,
    FieldRule,
    PathKey,
    TokenPortMissing,
    Transform,
    UnknownSummary,
    apply_path,
)
from splitbrain.engine.domain.tokens import parse_token
from tests.unit.vault.builders import memory_vault

CANARY = "CANARY-538f02f1adaa"
PLAN = f"semaglutide 0.5 mg weekly [{CANARY}]"


def _care(disclosure: DisclosurePolicy) -> DisclosurePath:
    path = disclosure.path("ehr", "crm", "TREAT")
    assert path is not None
    return path


def test_fields_outside_the_allowed_set_never_leave(disclosure: DisclosurePolicy) -> None:
    payload = {"phone": "+15550100123", "ssn": "000-12-3456", "lab_interpretation": "A1c 8.1"}

    out = apply_path(_care(disclosure), "per_0001", payload, tokens=memory_vault())

    assert dict(out.fields) == {"phone": "+15550100123"}
    assert out.withheld == ("ssn", "lab_interpretation")


def test_a_dropped_field_is_withheld_even_though_the_path_names_it(
    disclosure: DisclosurePolicy,
) -> None:
    out = apply_path(_care(disclosure), "per_0001", {"diagnosis": "E66.9"}, tokens=memory_vault())

    assert dict(out.fields) == {}
    assert out.withheld == ("diagnosis",)


def test_the_crm_gets_a_therapy_summary_never_the_plan_or_its_canary(
    disclosure: DisclosurePolicy,
) -> None:
    out = apply_path(
        _care(disclosure), "per_0001", {"medication_plan": PLAN}, tokens=memory_vault()
    )

    assert dict(out.fields) == {"medication_plan": "on GLP-1 therapy"}
    assert out.transforms == (("medication_plan", Transform.SUMMARIZE),)
    assert CANARY not in repr(out) and CANARY not in str(dict(out.fields))


def test_an_enum_field_is_summarized_to_its_canonical_code_only(
    disclosure: DisclosurePolicy,
) -> None:
    path = _care(disclosure)

    coded = apply_path(path, "per_1", {"clinical_status": "paused"}, tokens=memory_vault())
    free_text = apply_path(
        path, "per_1", {"clinical_status": "paused: nausea"}, tokens=memory_vault()
    )

    assert dict(coded.fields) == {"clinical_status": "paused"}
    assert dict(free_text.fields) == {}
    assert free_text.withheld == ("clinical_status",)


def test_the_person_reaches_the_crm_as_a_correlating_patient_token(
    disclosure: DisclosurePolicy,
) -> None:
    vault = memory_vault()

    first = apply_path(_care(disclosure), "per_0001", {}, tokens=vault)
    again = apply_path(_care(disclosure), "per_0001", {}, tokens=vault)

    assert parse_token(first.subject).domain == "patient"
    assert first.subject == again.subject
    assert "per_0001" not in first.subject


def test_a_cleared_value_leaves_as_none(disclosure: DisclosurePolicy) -> None:
    out = apply_path(_care(disclosure), "per_1", {"email": None}, tokens=memory_vault())

    assert dict(out.fields) == {"email": None}


def test_the_lead_summary_sends_the_channel_and_the_stage_code(
    disclosure: DisclosurePolicy,
) -> None:
    path = disclosure.path("crm", "ehr", "HOPERAT")
    assert path is not None

    out = apply_path(
        path, "per_1", {"lead_source": "partner_clinic:SYN-CLINIC-12", "care_stage": "intake"}
    )

    assert dict(out.fields) == {"lead_source": "partner_clinic", "care_stage": "intake"}
    assert out.subject == "per_1"


def test_tokenizing_without_a_token_port_is_refused() -> None:
    path = DisclosurePath(
        "p",
        PathKey("ehr", "portal", "TREAT"),
        {"phone": FieldRule("phone", Transform.TOKENIZE, token_domain="phone")},
    )

    with pytest.raises(TokenPortMissing, match="'phone'"):
        apply_path(path, "per_1", {"phone": "+15550100123"})


def test_a_field_token_is_a_token_of_its_domain() -> None:
    path = DisclosurePath(
        "p",
        PathKey("ehr", "portal", "TREAT"),
        {"phone": FieldRule("phone", Transform.TOKENIZE, token_domain="phone", correlate=False)},
    )

    out = apply_path(path, "per_1", {"phone": "+15550100123"}, tokens=memory_vault())

    phone = out.fields["phone"]
    assert phone is not None and parse_token(phone).domain == "phone"
    assert parse_token(phone).is_random


def test_an_unbound_summary_is_refused() -> None:
    path = DisclosurePath(
        "p",
        PathKey("ehr", "portal", "TREAT"),
        {"medication_plan": FieldRule("medication_plan", Transform.SUMMARIZE, "glp1_therapy")},
    )

    with pytest.raises(UnknownSummary, match="compile_disclosure"):
        apply_path(path, "per_1", {"medication_plan": PLAN})

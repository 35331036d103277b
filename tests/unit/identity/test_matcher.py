from __future__ import annotations

import pytest

from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.domain.identity.record import IdentityRecord
from tests.unit.identity.conftest import ANA, Make


def test_the_same_person_written_differently_links_at_high(
    make: Make, parts: MatchingParts
) -> None:
    held = make("ehr", "e-1", **ANA)
    arriving = make("crm", "c-1", **{**ANA, "phone": "212.555.0142", "given": "ANA"})

    decision = parts.matcher.match(arriving, [(held, "p-1")])

    assert decision.band == "high"
    assert decision.links and decision.person_id == "p-1"
    assert decision.match_grade == "certain"


def test_the_explanation_adds_up_to_the_score(make: Make, parts: MatchingParts) -> None:
    held = make("ehr", "e-1", **ANA)
    arriving = make("crm", "c-1", **{**ANA, "email": None, "family": "Okafro"})

    explanation = parts.matcher.explain(arriving, held)

    total = explanation.prior + sum(c.weight for c in explanation.contributions)
    assert explanation.total == pytest.approx(total)
    assert explanation.levels()["family"] == "jw>=0.92"
    assert explanation.levels()["email"] == "null"
    assert explanation.candidate == held.key


def test_candidates_are_one_per_person_best_record_first(make: Make, parts: MatchingParts) -> None:
    exact = make("ehr", "e-1", **ANA)
    weaker = make("portal", "o-1", **{**ANA, "email": None, "phone": None})
    stranger = make("ehr", "e-2", given="Li", family="Wang", date_of_birth="1950-01-02")
    arriving = make("crm", "c-1", **ANA)

    decision = parts.matcher.match(arriving, [(weaker, "p-1"), (exact, "p-1"), (stranger, "p-2")])

    assert [c.person_id for c in decision.candidates] == ["p-1"]
    assert decision.candidates[0].explanation.candidate == exact.key


def test_a_record_matching_two_persons_at_high_is_ambiguous_and_flags_them(
    make: Make, parts: MatchingParts
) -> None:
    first, second = make("ehr", "e-1", **ANA), make("ehr", "e-2", **ANA)

    decision = parts.matcher.match(make("crm", "c-1", **ANA), [(first, "p-1"), (second, "p-2")])

    assert decision.band == "ambiguous"
    assert not decision.links and decision.needs_review
    assert set(decision.possible_duplicates) == {"p-1", "p-2"}
    assert decision.match_grade == "probable"


def test_a_placeholder_record_is_ineligible_whatever_it_scores(
    make: Make, parts: MatchingParts
) -> None:
    placeholder = {**ANA, "given": "Test", "family": "Patient", "date_of_birth": "1900-01-01"}
    held = make("ehr", "e-1", **placeholder)

    decision = parts.matcher.match(make("crm", "c-1", **placeholder), [(held, "p-1")])

    assert decision.band == "ineligible"
    assert "placeholder_name" in decision.ineligible_reasons
    assert "placeholder_date_of_birth" in decision.ineligible_reasons
    assert decision.match_grade != "certain"


def test_twins_sharing_phone_address_and_birthday_are_never_auto_linked(
    make: Make, parts: MatchingParts
) -> None:
    ana = make("ehr", "e-1", **{**ANA, "email": None})
    ada = make("crm", "c-1", **{**ANA, "given": "Ada", "email": None})

    decision = parts.matcher.match(ada, [(ana, "p-1")])

    assert decision.band == "medium"
    assert parts.matcher.thresholds.band(decision.candidates[0].score) == "high"


def test_no_candidates_means_none(make: Make, parts: MatchingParts) -> None:
    decision = parts.matcher.match(make("crm", "c-1", **ANA), [])

    assert decision.band == "none" and decision.person_id is None and decision.candidates == ()
    assert decision.match_grade == "certainly-not"
    assert decision.text().startswith("record crm/c-1: band none")


def test_a_record_is_never_its_own_candidate(make: Make, parts: MatchingParts) -> None:
    record: IdentityRecord = make("crm", "c-1", **ANA)

    assert parts.matcher.match(record, [(record, "p-1")]).candidates == ()


def test_the_decision_text_names_levels_and_weights_but_no_value(
    make: Make, parts: MatchingParts
) -> None:
    held = make("ehr", "e-1", **ANA)

    text = parts.matcher.match(make("crm", "c-1", **ANA), [(held, "p-1")]).text()

    assert "date_of_birth" in text and "exact" in text
    for value in ("okafor", "1984", "555", "example.org", "main"):
        assert value not in text.lower()

"""The conflict rule catalog, rule by rule: who wins a stale write, and when a rule cannot tell."""

from __future__ import annotations

import itertools

import pytest

from splitbrain.engine.domain.policy import ConflictRule, Provenance
from splitbrain.engine.domain.rules import (
    CATALOG,
    Contender,
    Verdict,
    judge,
    manual_review,
    most_recent_patient_confirmed,
    most_recent_validated,
    owner_authoritative,
    precedence_ladder,
    provider_verified_overrides,
    stage_owner_wins,
)
from tests.unit.engine.builders import minutes

APPLY, REJECT, UNDECIDED = Verdict.APPLY, Verdict.REJECT, Verdict.UNDECIDED
_PV = Provenance.PROVIDER_VERIFIED
_VW = Provenance.VALIDATED_WORKFLOW
_UE = Provenance.USER_ENTERED
_AU = Provenance.AUTOMATION


def side(
    *, owner: bool = False, prov: Provenance | None = _UE, at: float = 0, role: str = "support"
) -> Contender:
    return Contender("crm", role, prov, minutes(at), owner)


def test_catalog_implements_every_rule_with_a_plain_words_docstring() -> None:
    assert set(CATALOG) == set(ConflictRule)
    for rule in CATALOG.values():
        doc = rule.__doc__ or ""
        assert "Cannot decide" in doc or "UNDECIDED" in doc, rule.__name__


class TestOwnerAuthoritative:
    def test_owner_replaces_a_value_someone_else_wrote(self) -> None:
        assert owner_authoritative(side(owner=True, at=0), side(owner=False, at=9)) is APPLY

    def test_non_owner_never_replaces_the_owners_value(self) -> None:
        assert owner_authoritative(side(prov=_PV, at=9), side(owner=True, prov=_AU)) is REJECT

    def test_non_owner_stale_write_is_rejected_even_over_another_non_owner(self) -> None:
        assert owner_authoritative(side(prov=_PV, at=9), side(prov=_AU, at=0)) is REJECT

    def test_a_late_older_owner_write_is_stale(self) -> None:
        assert owner_authoritative(side(owner=True, at=4), side(owner=True, at=5)) is REJECT

    def test_a_newer_owner_write_that_did_not_see_the_owners_value_cannot_decide(self) -> None:
        assert owner_authoritative(side(owner=True, at=5), side(owner=True, at=4)) is UNDECIDED

    def test_cannot_decide_two_owner_writes_at_the_same_instant(self) -> None:
        assert owner_authoritative(side(owner=True, at=4), side(owner=True, at=4)) is UNDECIDED


class TestStageOwnerWins:
    def test_stage_owner_replaces_the_previous_stage_owners_value(self) -> None:
        assert stage_owner_wins(side(owner=True, prov=_AU), side(prov=_PV, at=9)) is APPLY

    def test_anyone_else_never_replaces_the_stage_owners_value(self) -> None:
        assert stage_owner_wins(side(prov=_PV, at=9), side(owner=True, prov=_AU)) is REJECT

    def test_a_late_older_stage_owner_write_is_stale(self) -> None:
        assert stage_owner_wins(side(owner=True, at=1), side(owner=True, at=2)) is REJECT

    def test_a_concurrent_newer_stage_owner_write_cannot_decide(self) -> None:
        assert stage_owner_wins(side(owner=True, at=2), side(owner=True, at=1)) is UNDECIDED

    def test_cannot_decide_when_neither_side_is_the_stage_owner(self) -> None:
        assert stage_owner_wins(side(at=9, prov=_PV), side(at=0, prov=_AU)) is UNDECIDED

    def test_cannot_decide_two_stage_owner_writes_at_the_same_instant(self) -> None:
        assert stage_owner_wins(side(owner=True), side(owner=True)) is UNDECIDED


class TestProviderVerifiedOverrides:
    def test_provider_verified_replaces_what_is_not(self) -> None:
        assert (
            provider_verified_overrides(side(prov=_PV), side(owner=True, prov=_VW, at=9)) is APPLY
        )

    def test_what_is_not_provider_verified_never_replaces_it(self) -> None:
        assert (
            provider_verified_overrides(side(owner=True, prov=_VW, at=9), side(prov=_PV)) is REJECT
        )

    @pytest.mark.parametrize(("mine", "theirs"), [(_PV, _PV), (_UE, _VW), (_AU, None)])
    def test_cannot_decide_when_both_or_neither_are_provider_verified(
        self, mine: Provenance, theirs: Provenance | None
    ) -> None:
        assert provider_verified_overrides(side(prov=mine, at=9), side(prov=theirs)) is UNDECIDED


class TestMostRecentValidated:
    @pytest.mark.parametrize("validated", [_VW, _PV])
    def test_validated_replaces_an_unvalidated_value_even_a_later_one(
        self, validated: Provenance
    ) -> None:
        assert most_recent_validated(side(prov=validated, at=0), side(prov=_UE, at=9)) is APPLY

    def test_unvalidated_never_replaces_a_validated_value(self) -> None:
        assert most_recent_validated(side(prov=_UE, at=9), side(prov=_VW, at=0)) is REJECT

    def test_later_of_two_validated_values_wins(self) -> None:
        assert most_recent_validated(side(prov=_VW, at=5), side(prov=_PV, at=4)) is APPLY
        assert most_recent_validated(side(prov=_PV, at=4), side(prov=_VW, at=5)) is REJECT

    def test_cannot_decide_between_two_unvalidated_values(self) -> None:
        assert most_recent_validated(side(prov=_UE, at=9), side(prov=_AU, at=0)) is UNDECIDED

    def test_cannot_decide_two_validated_values_at_the_same_instant(self) -> None:
        assert most_recent_validated(side(prov=_VW), side(prov=_PV)) is UNDECIDED


class TestMostRecentPatientConfirmed:
    def test_patient_confirmed_replaces_a_staff_value_even_a_later_one(self) -> None:
        assert (
            most_recent_patient_confirmed(side(role="patient", at=0), side(prov=_PV, at=9)) is APPLY
        )

    def test_staff_never_replaces_a_patient_confirmed_value(self) -> None:
        assert (
            most_recent_patient_confirmed(side(prov=_PV, at=9), side(role="patient", at=0))
            is REJECT
        )

    def test_later_of_two_patient_confirmed_values_wins(self) -> None:
        patient_at = [side(role="patient", at=t) for t in (1, 2)]

        assert most_recent_patient_confirmed(patient_at[1], patient_at[0]) is APPLY
        assert most_recent_patient_confirmed(patient_at[0], patient_at[1]) is REJECT

    def test_cannot_decide_between_two_staff_values(self) -> None:
        assert most_recent_patient_confirmed(side(at=9), side(owner=True, at=0)) is UNDECIDED

    def test_cannot_decide_two_patient_confirmations_at_the_same_instant(self) -> None:
        assert (
            most_recent_patient_confirmed(side(role="patient"), side(role="patient")) is UNDECIDED
        )


class TestPrecedenceLadder:
    @pytest.mark.parametrize(("higher", "lower"), [(_PV, _VW), (_VW, _UE), (_UE, _AU), (_AU, None)])
    def test_more_trusted_provenance_wins_whatever_the_time(
        self, higher: Provenance, lower: Provenance | None
    ) -> None:
        assert precedence_ladder(side(prov=higher, at=0), side(prov=lower, at=9)) is APPLY
        assert precedence_ladder(side(prov=lower, at=9), side(prov=higher, at=0)) is REJECT

    def test_same_provenance_is_decided_by_the_later_time(self) -> None:
        assert precedence_ladder(side(prov=_UE, at=2), side(prov=_UE, at=1)) is APPLY
        assert precedence_ladder(side(prov=_UE, at=1), side(prov=_UE, at=2)) is REJECT

    def test_cannot_decide_an_exact_tie(self) -> None:
        assert (
            precedence_ladder(side(prov=_UE, at=1), side(owner=True, prov=_UE, at=1)) is UNDECIDED
        )


def test_manual_review_never_decides() -> None:
    sides = [
        side(owner=o, prov=p, at=t, role=r)
        for o, p, t, r in itertools.product(
            (True, False), (*Provenance, None), (0, 1), ("patient", "support")
        )
    ]

    verdicts = {manual_review(a, b) for a, b in itertools.product(sides, repeat=2)}

    assert verdicts == {UNDECIDED}


def test_judge_asks_the_fallback_rules_in_order() -> None:
    rules = (ConflictRule.PROVIDER_VERIFIED_OVERRIDES, ConflictRule.STAGE_OWNER_WINS)

    by_owner = judge(rules, side(owner=True, prov=_UE), side(prov=_UE, at=9))
    by_provider = judge(rules, side(prov=_PV), side(owner=True, prov=_UE, at=9))

    assert by_owner == (APPLY, ConflictRule.STAGE_OWNER_WINS)
    assert by_provider == (APPLY, ConflictRule.PROVIDER_VERIFIED_OVERRIDES)


def test_judge_names_the_rows_own_rule_when_no_rule_decides() -> None:
    rules = (ConflictRule.PROVIDER_VERIFIED_OVERRIDES, ConflictRule.STAGE_OWNER_WINS)

    verdict = judge(rules, side(prov=_UE, at=9), side(prov=_UE))

    assert verdict == (UNDECIDED, ConflictRule.PROVIDER_VERIFIED_OVERRIDES)

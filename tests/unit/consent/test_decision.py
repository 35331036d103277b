"""The decision point: permit or deny, with the consent reference and versions, at request time."""

from __future__ import annotations

import pytest

from splitbrain.engine.domain.consent import (
    CONSENT_POLICY_VERSION,
    DecisionReason,
    InvalidPeriod,
    Permission,
    decide_consent,
    expire,
)
from tests.unit.consent.conftest import ANA, DAY, T0, granted, revoked


def test_an_active_consent_permits_and_is_cited_with_its_version_and_the_policy_version() -> None:
    v1 = granted()

    decision = decide_consent(ANA, "HMARKT", "sms", T0, [v1])

    assert decision.permission is Permission.PERMIT
    assert decision.reason is DecisionReason.CONSENT_ACTIVE
    assert (decision.consent_ref, decision.consent_version) == (v1.ref, 1)
    assert decision.policy_version == CONSENT_POLICY_VERSION
    assert not decision.break_glass


def test_a_revoked_consent_denies_and_cites_the_revocation() -> None:
    v2 = revoked(granted(), at=T0 + DAY)

    decision = decide_consent(ANA, "HMARKT", "sms", T0 + DAY, [v2])

    assert (decision.permitted, decision.reason) == (False, DecisionReason.REVOKED)
    assert (decision.consent_ref, decision.consent_version) == (v2.ref, 2)


def test_no_consent_at_all_is_a_deny_without_a_reference() -> None:
    decision = decide_consent(ANA, "HMARKT", "sms", T0, [])

    assert (decision.permitted, decision.reason) == (False, DecisionReason.NO_CONSENT)
    assert decision.consent_ref is None


def test_an_unknown_purpose_is_denied_not_raised() -> None:
    decision = decide_consent(ANA, "MARKETING", "sms", T0, [granted()])

    assert (decision.permitted, decision.reason) == (False, DecisionReason.UNKNOWN_PURPOSE)


def test_an_unknown_channel_is_denied() -> None:
    decision = decide_consent(ANA, "HMARKT", "fax", T0, [granted()])

    assert decision.reason is DecisionReason.UNKNOWN_CHANNEL


def test_break_glass_is_permitted_with_the_flag_even_against_a_revocation() -> None:
    v2 = revoked(granted("ETREAT", "phone"), purpose="ETREAT", channel="phone")

    decision = decide_consent(ANA, "ETREAT", "phone", T0, [v2])

    assert decision.permitted and decision.break_glass
    assert decision.reason is DecisionReason.BREAK_GLASS
    assert decision.consent_version == 2  # what was on file is still cited


def test_break_glass_without_any_consent_is_permitted_and_flagged() -> None:
    decision = decide_consent(ANA, "BTG", "portal", T0, [])

    assert decision.permitted and decision.break_glass and decision.consent_ref is None


def test_the_clock_expires_a_consent_at_the_end_of_its_period_before_the_expiry_job_runs() -> None:
    v1 = granted(end=T0 + 30 * DAY)

    before = decide_consent(ANA, "HMARKT", "sms", T0 + 30 * DAY - DAY / 86_400, [v1])
    at_end = decide_consent(ANA, "HMARKT", "sms", T0 + 30 * DAY, [v1])

    assert before.permitted
    assert (at_end.permitted, at_end.reason) == (False, DecisionReason.EXPIRED)
    assert at_end.consent_version == 1


def test_a_recorded_expiry_denies_as_expired() -> None:
    expired = expire(granted(end=T0 + DAY), T0 + DAY)
    assert expired is not None

    decision = decide_consent(ANA, "HMARKT", "sms", T0 + DAY, [expired])

    assert (decision.reason, decision.consent_version) == (DecisionReason.EXPIRED, 2)


def test_a_consent_whose_period_has_not_started_denies_as_not_yet_valid() -> None:
    v1 = granted(start=T0 + DAY)

    assert decide_consent(ANA, "HMARKT", "sms", T0, [v1]).reason is DecisionReason.NOT_YET_VALID
    assert decide_consent(ANA, "HMARKT", "sms", T0 + DAY, [v1]).permitted


def test_consent_is_per_channel() -> None:
    email = granted("HMARKT", "email")

    assert not decide_consent(ANA, "HMARKT", "sms", T0, [email]).permitted
    assert decide_consent(ANA, "HMARKT", "email", T0, [email]).permitted


def test_consent_is_per_purpose() -> None:
    care = granted("CAREMGT", "sms")
    marketing_revoked = revoked(granted("HMARKT", "sms"))

    assert decide_consent(ANA, "CAREMGT", "sms", T0, [care, marketing_revoked]).permitted
    assert not decide_consent(ANA, "HMARKT", "sms", T0, [care, marketing_revoked]).permitted


def test_another_persons_consent_never_counts() -> None:
    bea = granted(person="tok_bea")

    assert decide_consent(ANA, "HMARKT", "sms", T0, [bea]).reason is DecisionReason.NO_CONSENT


def test_of_several_versions_of_a_slot_the_highest_counts_whatever_the_order() -> None:
    v1 = granted()
    v2 = revoked(v1, at=T0 + DAY)

    assert not decide_consent(ANA, "HMARKT", "sms", T0 + DAY, [v2, v1]).permitted
    assert not decide_consent(ANA, "HMARKT", "sms", T0 + DAY, [v1, v2]).permitted


def test_any_channel_permits_when_one_channel_permits_and_cites_it() -> None:
    sms = revoked(granted("HMARKT", "sms"))
    email = granted("HMARKT", "email")

    decision = decide_consent(ANA, "HMARKT", None, T0, [sms, email])

    assert decision.permitted and decision.consent_ref == email.ref and decision.channel is None


def test_any_channel_denies_with_the_latest_reason_when_none_permits() -> None:
    sms = revoked(granted("HMARKT", "sms"), at=T0 + DAY)
    email = granted("HMARKT", "email", end=T0 + DAY / 2)

    decision = decide_consent(ANA, "HMARKT", None, T0 + DAY, [sms, email])

    assert (decision.permitted, decision.reason) == (False, DecisionReason.REVOKED)


def test_a_naive_request_time_is_refused() -> None:
    with pytest.raises(InvalidPeriod):
        decide_consent(ANA, "HMARKT", "sms", T0.replace(tzinfo=None), [])

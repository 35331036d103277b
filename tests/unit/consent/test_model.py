"""A slot's consent is a versioned history: grant, revoke and expire each add one version."""

from __future__ import annotations

import pytest

from splitbrain.engine.domain.consent import (
    CONSENT_POLICY_VERSION,
    ConsentRefMismatch,
    ConsentStatus,
    InvalidPeriod,
    Period,
    SlotMismatch,
    UnknownChannel,
    UnknownPurpose,
    consent_ref_for,
    expire,
    grant,
    revoke,
)
from tests.unit.consent.conftest import ANA, DAY, T0, granted, revoked


def test_a_grant_then_a_revoke_are_versions_one_and_two_of_one_reference() -> None:
    v1 = granted(end=T0 + 30 * DAY)

    v2 = revoked(v1, at=T0 + DAY)

    assert (v1.version, v1.status) == (1, ConsentStatus.ACTIVE)
    assert (v2.version, v2.status, v2.ref) == (2, ConsentStatus.REVOKED, v1.ref)
    assert v2.period == Period(start=T0 + DAY)
    assert v1.period.end == T0 + 30 * DAY  # the earlier version is untouched


def test_a_grant_after_a_revoke_is_a_third_version() -> None:
    v2 = revoked(granted())

    v3 = granted(prior=v2, at=T0 + DAY)

    assert (v3.version, v3.status, v3.ref) == (3, ConsentStatus.ACTIVE, v2.ref)


def test_revoking_a_slot_never_granted_records_an_explicit_opt_out() -> None:
    v1 = revoked(None)

    assert (v1.version, v1.status, v1.ref) == (1, ConsentStatus.REVOKED, consent_ref_for(
        ANA, "HMARKT", "sms"))  # fmt: skip


def test_granting_what_is_already_granted_adds_no_version() -> None:
    v1 = granted(end=T0 + DAY)

    again = grant(
        v1, person=ANA, purpose="HMARKT", channel="sms", at=T0 + DAY / 2,
        policy_version=CONSENT_POLICY_VERSION, period=Period(end=T0 + DAY),
    )  # fmt: skip

    assert again is None


def test_a_grant_with_another_period_is_a_new_version() -> None:
    v1 = granted(end=T0 + DAY)

    v2 = granted(prior=v1, end=T0 + 2 * DAY)

    assert v2.version == 2


def test_revoking_what_is_already_revoked_adds_no_version() -> None:
    v1 = revoked(None)

    assert revoke(v1, person=ANA, purpose="HMARKT", channel="sms", at=T0 + DAY,
                  policy_version=CONSENT_POLICY_VERSION) is None  # fmt: skip


def test_expiry_happens_only_once_the_clock_reaches_the_end_of_the_period() -> None:
    v1 = granted(end=T0 + 30 * DAY)

    assert expire(v1, T0 + 30 * DAY - DAY / 86_400) is None
    v2 = expire(v1, T0 + 30 * DAY)

    assert v2 is not None
    assert (v2.version, v2.status, v2.recorded_at) == (2, ConsentStatus.EXPIRED, T0 + 30 * DAY)


def test_a_consent_without_an_end_never_expires_and_a_revoked_one_is_not_expired() -> None:
    assert expire(granted(), T0 + 3650 * DAY) is None
    assert expire(revoked(granted(end=T0 + DAY)), T0 + 2 * DAY) is None


def test_re_granting_an_expired_consent_as_it_was_is_no_change() -> None:
    expired = expire(granted(end=T0 + DAY), T0 + DAY)
    assert expired is not None

    again = grant(
        expired, person=ANA, purpose="HMARKT", channel="sms", at=T0 + 2 * DAY,
        policy_version=CONSENT_POLICY_VERSION, period=Period(end=T0 + DAY),
    )  # fmt: skip

    assert again is None


def test_the_period_is_start_inclusive_and_end_exclusive() -> None:
    period = Period(T0, T0 + DAY)

    assert period.covers(T0)
    assert not period.covers(T0 + DAY)
    assert not period.covers(T0 - DAY / 86_400)


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidPeriod, match="end must be after its start"):
        Period(T0, T0)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(InvalidPeriod, match="timezone"):
        Period(end=T0.replace(tzinfo=None))
    with pytest.raises(InvalidPeriod, match="timezone"):
        granted(at=T0.replace(tzinfo=None))


def test_a_grant_names_an_unknown_purpose_or_channel() -> None:
    with pytest.raises(UnknownPurpose):
        granted("MARKETING")
    with pytest.raises(UnknownChannel):
        granted("HMARKT", "fax")


def test_a_slot_keeps_its_first_reference() -> None:
    v1 = granted()

    with pytest.raises(ConsentRefMismatch, match=v1.ref):
        revoke(v1, person=ANA, purpose="HMARKT", channel="sms", at=T0,
               policy_version=CONSENT_POLICY_VERSION, ref="cns-other")  # fmt: skip


def test_a_prior_version_of_another_slot_is_refused() -> None:
    sms = granted("HMARKT", "sms")

    with pytest.raises(SlotMismatch, match=sms.ref):
        revoke(sms, person=ANA, purpose="HMARKT", channel="email", at=T0,
               policy_version=CONSENT_POLICY_VERSION)  # fmt: skip


def test_references_are_stable_opaque_fhir_ids() -> None:
    ref = consent_ref_for(ANA, "HMARKT", "sms")

    assert ref == consent_ref_for(ANA, "HMARKT", "sms") != consent_ref_for(ANA, "HMARKT", "email")
    assert ref.startswith("cns-") and len(ref) == 28
    assert ANA not in ref

"""Purposes are HL7 v3 ActReason codes from the shipped list; channels are five fixed words."""

from __future__ import annotations

import pytest

from simulators.crm.vocabulary import CHANNELS as SIMULATED_CHANNELS
from simulators.crm.vocabulary import PURPOSES as SIMULATED_PURPOSES
from splitbrain.engine.domain.consent import (
    BREAK_GLASS_PURPOSES,
    CHANNELS,
    PURPOSES,
    UnknownChannel,
    UnknownPurpose,
    channel,
    purpose,
)


def test_every_purpose_the_portal_and_crm_accept_is_known_to_the_engine() -> None:
    assert set(SIMULATED_PURPOSES) <= set(PURPOSES)


def test_the_engine_and_the_simulators_agree_on_the_channels() -> None:
    assert set(SIMULATED_CHANNELS) == CHANNELS == {"sms", "email", "phone", "portal", "mail"}


def test_the_core_purposes_carry_their_actreason_displays() -> None:
    assert PURPOSES["TREAT"].display == "treatment"
    assert PURPOSES["HMARKT"].display == "healthcare marketing"
    assert PURPOSES["HRESCH"].display == "healthcare research"
    assert {"HPAYMT", "HOPERAT", "CAREMGT", "PUBHLTH", "HDIRECT", "PATRQT", "COVERAGE"} <= set(
        PURPOSES
    )


def test_only_the_emergency_purposes_break_the_glass() -> None:
    assert {"ETREAT", "ERTREAT", "BTG"} == BREAK_GLASS_PURPOSES
    assert all(PURPOSES[code].break_glass for code in BREAK_GLASS_PURPOSES)
    assert not PURPOSES["TREAT"].break_glass


def test_an_unknown_purpose_names_the_code_and_where_to_find_the_list() -> None:
    with pytest.raises(UnknownPurpose, match=r"'MARKETING' is not an HL7 v3 ActReason.*PURPOSES"):
        purpose("MARKETING")


def test_purpose_codes_are_case_sensitive() -> None:
    with pytest.raises(UnknownPurpose):
        purpose("treat")


def test_an_unknown_channel_lists_the_channels() -> None:
    with pytest.raises(UnknownChannel, match="sms, email, phone, portal, mail"):
        channel("whatsapp")

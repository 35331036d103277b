"""Fixtures for consent tests: consents built by the pure domain, and an engine on the in-memory
store with a controllable clock (the consent rules do not read the ownership matrix)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.consent import CONSENT_POLICY_VERSION, Consent, Period, grant, revoke
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.consent_service import ConsentService
from splitbrain.engine.service_layer.engine import Engine
from tests.unit.service_layer.small_policy import small_policy

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ANA = "tok_ana"


def granted(
    purpose: str = "HMARKT",
    channel: str = "sms",
    *,
    person: str = ANA,
    at: datetime = T0,
    start: datetime | None = None,
    end: datetime | None = None,
    prior: Consent | None = None,
) -> Consent:
    consent = grant(
        prior, person=person, purpose=purpose, channel=channel, at=at,
        policy_version=CONSENT_POLICY_VERSION, period=Period(start, end),
    )  # fmt: skip
    assert consent is not None
    return consent


def revoked(prior: Consent | None, *, at: datetime = T0, purpose: str = "HMARKT",
            channel: str = "sms", person: str = ANA) -> Consent:  # fmt: skip
    consent = revoke(
        prior, person=person, purpose=purpose, channel=channel, at=at,
        policy_version=CONSENT_POLICY_VERSION,
    )  # fmt: skip
    assert consent is not None
    return consent


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def engine(clock: FixedClock) -> Engine:
    return bootstrap(store="memory", policy=small_policy(), clock=clock)


@pytest.fixture
def consents(engine: Engine) -> ConsentService:
    return ConsentService(engine)

"""Fixtures for the HL7 v2 tests: a simulated clock, a history, the fake store, a receiver."""

from __future__ import annotations

import pytest

from simulators._shared.clock import SimClock
from simulators._shared.history import History
from simulators.ehr.hl7.receiver import AdtReceiver, ControlIds
from simulators.ehr.hl7.session import MllpSession
from tests.simulators.hl7.fakes import FakeAdtTarget


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.fixture
def history(clock: SimClock) -> History:
    return History(clock, system="ehr")


@pytest.fixture
def target() -> FakeAdtTarget:
    return FakeAdtTarget()


@pytest.fixture
def receiver(target: FakeAdtTarget, history: History, clock: SimClock) -> AdtReceiver:
    return AdtReceiver(target, history=history, clock=clock, control_ids=ControlIds("ACK"))


@pytest.fixture
def session(receiver: AdtReceiver) -> MllpSession:
    return MllpSession(receiver)

"""Fixtures for the service layer: an engine on the in-memory store with a controllable clock."""

from __future__ import annotations

import pytest

from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.domain.policy import Policy
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.engine.service_layer.engine import Engine
from tests.unit.service_layer.small_policy import T0, Writes, small_policy


@pytest.fixture
def policy() -> Policy:
    return small_policy()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def engine(policy: Policy, clock: FixedClock) -> Engine:
    return bootstrap(store="memory", policy=policy, clock=clock)


@pytest.fixture
def writes() -> Writes:
    return Writes()

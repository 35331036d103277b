"""Fixtures for the engine's unit tests: the telehealth policy, built in Python."""

from __future__ import annotations

import pytest

from splitbrain.engine.domain.policy import Policy
from tests.unit.engine.ledger import Ledger
from tests.unit.engine.telehealth_policy import telehealth_policy


@pytest.fixture
def policy() -> Policy:
    return telehealth_policy()


@pytest.fixture
def ledger(policy: Policy) -> Ledger:
    return Ledger(policy)

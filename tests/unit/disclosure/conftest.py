"""Disclosure fixtures: the telehealth policy and its compiled paths."""

from __future__ import annotations

import pytest

from splitbrain.engine.adapters.disclosure_paths import load_disclosure
from splitbrain.engine.adapters.matrix_policy import load_policy
from splitbrain.engine.domain.disclosure import DisclosurePolicy
from splitbrain.engine.domain.policy import Policy
from tests.unit.matrix.matrices import TELEHEALTH


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(TELEHEALTH)


@pytest.fixture(scope="session")
def disclosure() -> DisclosurePolicy:
    return load_disclosure(TELEHEALTH)

"""One medium-corruption population of 5,000 persons, generated once for the rate tests."""

from __future__ import annotations

import pytest

from simulators.population import PersonEntry, generate

RATE_PEOPLE = 5000
RATE_SEED = 11


@pytest.fixture(scope="session")
def population() -> list[PersonEntry]:
    return list(generate(RATE_PEOPLE, RATE_SEED))


@pytest.fixture(scope="session")
def small_population() -> list[PersonEntry]:
    return list(generate(300, 5))

"""Fixtures for the identity tests: the shipped config's parts and a record builder."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from splitbrain.engine.adapters.identity.factory import MatchingParts
from splitbrain.engine.domain.identity.record import IdentityRecord

Make = Callable[..., IdentityRecord]


@pytest.fixture(scope="session")
def parts() -> MatchingParts:
    return MatchingParts.from_config()


@pytest.fixture
def make(parts: MatchingParts) -> Make:
    """``make("ehr", "e-1", given="Ana", ...)``: raw values, normalized like ingest."""

    def build(system: str, record_id: str, **raw: Any) -> IdentityRecord:
        return parts.normalizer.record(system, record_id, **raw)

    return build


@pytest.fixture
def new_ids() -> Callable[[], str]:
    counter: Iterator[int] = itertools.count(1)
    return lambda: f"person-{next(counter)}"


ANA: dict[str, str] = {
    "given": "Ana",
    "family": "Okafor",
    "date_of_birth": "1984-07-09",
    "sex": "female",
    "phone": "(212) 555-0142",
    "email": "ana.okafor@example.org",
    "address_line": "12 Main Street",
    "city": "Springfield",
    "postcode": "62701",
    "state": "IL",
}
"""A complete synthetic identity (fictional 555-01xx phone, example.org email)."""

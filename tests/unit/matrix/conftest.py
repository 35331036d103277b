"""Matrix test fixtures."""

from __future__ import annotations

import pytest

from splitbrain.matrix import Matrix, load_matrix
from tests.unit.matrix.matrices import TELEHEALTH


@pytest.fixture(scope="session")
def telehealth() -> Matrix:
    """The shipped telehealth matrix (read-only: pydantic models are frozen)."""
    return load_matrix(TELEHEALTH)

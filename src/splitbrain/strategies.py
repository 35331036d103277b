"""Hypothesis strategies for property tests of a sync engine.

Documented in ``splitbrain.harness.strategies``: ``persons()``, ``writes(policy)``,
``consent_changes()``.
"""

from __future__ import annotations

from splitbrain.harness.strategies import (
    ConsentChange,
    SyntheticPerson,
    consent_changes,
    persons,
    writes,
)

__all__ = ["ConsentChange", "SyntheticPerson", "consent_changes", "persons", "writes"]

"""Errors of the synthetic population. Messages name ids, fields and the fix, never a value.

::

    PopulationError                  base of every error raised here
    ├── PopulationConfigError        a config value out of range or unknown (a ValueError)
    ├── PoolExhaustedError                a finite pool of synthetic values has no value left
    └── GroundTruthError             a ground-truth file or lookup is malformed or unknown
"""

from __future__ import annotations

__all__ = ["GroundTruthError", "PoolExhaustedError", "PopulationConfigError", "PopulationError"]


class PopulationError(Exception):
    """Base class of every error raised by ``simulators.population``."""


class PopulationConfigError(PopulationError, ValueError):
    """A configuration value is out of range or unknown."""


class PoolExhaustedError(PopulationError):
    """A finite pool (555-01xx phones, SSN-like numbers) has handed out every value."""


class GroundTruthError(PopulationError):
    """A ground-truth file line is malformed, or a record id is not in the ground truth."""

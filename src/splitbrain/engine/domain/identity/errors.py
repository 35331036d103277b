# ruff: noqa: N818 -- STYLE §4 names errors for what happened
"""Errors of the identity domain: broken input, never an expected outcome (STYLE §3).

A record in the review band, an ambiguous match or an ineligible record is a *decision*
(``decision.py``), not an error. These are raised only for input the matcher cannot use::

    IdentityError
     ├── EmptyIdentityValue     "" where a value or None was expected
     ├── UnknownRecord          a record key the index does not hold
     ├── DuplicateRecord        a record key inserted twice
     └── ModelInvalid           m/u probabilities, thresholds or levels that cannot score

Messages name record keys, person ids and field names, never a value (no PHI).
"""

from __future__ import annotations

__all__ = [
    "DuplicateRecord",
    "EmptyIdentityValue",
    "IdentityError",
    "ModelInvalid",
    "UnknownRecord",
]


class IdentityError(Exception):
    """Root of every error the identity domain and index raise."""


class EmptyIdentityValue(IdentityError, ValueError):
    """An empty string where a normalized value or ``None`` was expected."""


class UnknownRecord(IdentityError, KeyError):
    """The index holds no record with this key."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown record"


class DuplicateRecord(IdentityError):
    """The index already holds a record with this key; move or remove it instead."""


class ModelInvalid(IdentityError, ValueError):
    """The scoring model cannot be used as given (a probability outside (0, 1), say)."""

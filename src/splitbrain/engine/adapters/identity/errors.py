# ruff: noqa: N818 -- STYLE §4 names errors for what happened
"""Errors of the identity adapters, under the domain's tree (``domain/identity/errors.py``)::

    IdentityError                       (splitbrain.engine.domain.identity.errors)
     ├── MappingError     a --map naming an unknown field, or a column the file lacks
     └── UnknownStore     an identity store that is neither memory nor sqlite:PATH

Messages name fields, columns and files, never a value (no PHI).
"""

from __future__ import annotations

from splitbrain.engine.domain.identity.errors import IdentityError

__all__ = ["MappingError", "UnknownStore"]


class MappingError(IdentityError, ValueError):
    """A ``--map`` that names an unknown field or a column the file lacks."""


class UnknownStore(IdentityError, ValueError):
    """``build_index`` was asked for a store it does not know."""

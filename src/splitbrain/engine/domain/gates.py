"""The names a decision's ``rule`` carries when no conflict rule was involved.

A decision's ``rule`` says what decided it: a conflict rule of the catalog
(``policy.ConflictRule``, e.g. ``stage_owner_wins``) or one of these gates of ``decide()``::

    FieldApplied.rule    owner | secondary_writer | <conflict rule>
    WriteRejected.rule   idempotency | matrix | validation | enum_mapping | ownership
                         | override | version | <conflict rule>
    ConflictEscalated    <conflict rule>

``Gate`` is a ``StrEnum``, so ``decision.rule == Gate.OWNER`` reads naturally.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Gate"]


class Gate(StrEnum):
    IDEMPOTENCY = "idempotency"
    """Step 1: a reused idempotency key with a different payload."""
    MATRIX = "matrix"
    """Step 1: a field the matrix does not list."""
    VALIDATION = "validation"
    """Step 2: the value is not of the row's kind."""
    ENUM_MAPPING = "enum_mapping"
    """Step 2: the source's value has no mapping in the row's enum table."""
    OWNERSHIP = "ownership"
    """Step 3: neither the owner at the stage nor an allowed secondary writer."""
    OVERRIDE = "override"
    """Step 4: a manual write to a critical field without a reason."""
    VERSION = "version"
    """Step 5: a base version the field never had."""
    OWNER = "owner"
    """Applied: the owner at the person's stage wrote on the current version."""
    SECONDARY_WRITER = "secondary_writer"
    """Applied: an allowed secondary writer wrote on the current version."""

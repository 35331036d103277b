# ruff: noqa: N818 -- STYLE §4 names errors for what happened (StateMismatch, UnknownStage)
"""Errors of the pure domain: broken input, never an expected outcome (STYLE §3).

A write that is refused, stale or escalated is a *decision* (``decisions.py``), not an error.
These are raised only when the caller hands the domain something it cannot decide at all::

    DomainError
     ├── StateMismatch               a state, prior decision or decision of another write/field
     ├── NaiveTimestamp              a time without a timezone
     ├── UnknownStage                a stage the policy does not list
     ├── PolicyIncomplete            a row needs something the compiled policy lacks
     └── ConflictResolutionRefused   a conflict item cannot be resolved as asked
          ├── ResolverNotEscalationOwner
          ├── ResolutionReasonMissing
          ├── UnknownCompetingKey
          └── ConflictAlreadyResolved

Messages name identifiers, field names and rules, never a value (no PHI).
"""

from __future__ import annotations


class DomainError(Exception):
    """Root of every error the pure domain raises."""


class StateMismatch(DomainError):
    """The arguments do not belong together (e.g. the state of another field)."""


class NaiveTimestamp(DomainError):
    """A datetime without tzinfo: the domain compares times across systems and needs UTC offsets."""


class UnknownStage(DomainError):
    """The person's stage is not one of the policy's stages."""


class PolicyIncomplete(DomainError):
    """The compiled policy lacks something a row refers to (an enum table, say)."""


class ConflictResolutionRefused(DomainError):
    """A conflict item cannot be resolved as asked; the item is unchanged."""


class ResolverNotEscalationOwner(ConflictResolutionRefused):
    """Only the row's escalation owner role may resolve its conflicts."""


class ResolutionReasonMissing(ConflictResolutionRefused):
    """A resolution must say why."""


class UnknownCompetingKey(ConflictResolutionRefused):
    """The chosen write is not one of the item's competing writes."""


class ConflictAlreadyResolved(ConflictResolutionRefused):
    """An item is resolved once; a second resolution is refused."""

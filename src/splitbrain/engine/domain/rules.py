"""The conflict rule catalog (DESIGN §3): who wins when a write arrives stale.

A write is stale when its ``base_version`` is older than the field's version: the writer did not
see the current value. ``decide()`` then asks the row's rule (and its ``fallback_rules``, in
order) to compare the *incoming* write with the *current* value. Each rule answers:

- ``APPLY``: the incoming write replaces the current value;
- ``REJECT``: the current value stands and the write is rejected as stale;
- ``UNDECIDED``: the rule cannot tell; the next rule is asked, and when none can, the write
  escalates to the row's escalation owner.

Both sides are seen as a :class:`Contender`: who wrote (system, role), how (provenance), when
(``occurred_at``), and whether that writer owns the field at the person's *current* stage.

Example::

    judge((ConflictRule.PRECEDENCE_LADDER,), incoming, current)
    # -> (Verdict.APPLY, ConflictRule.PRECEDENCE_LADDER) when incoming outranks current
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from splitbrain.engine.domain.policy import ConflictRule, Provenance
from splitbrain.engine.domain.precedence import ladder, recency

__all__ = [
    "CATALOG",
    "PATIENT_ROLE",
    "Contender",
    "Rule",
    "Verdict",
    "judge",
    "manual_review",
    "most_recent_patient_confirmed",
    "most_recent_validated",
    "owner_authoritative",
    "precedence_ladder",
    "provider_verified_overrides",
    "stage_owner_wins",
]

PATIENT_ROLE = "patient"
"""The role whose writes count as patient-confirmed (the patient, e.g. in the portal)."""

_VALIDATED = frozenset({Provenance.VALIDATED_WORKFLOW, Provenance.PROVIDER_VERIFIED})


class Verdict(StrEnum):
    APPLY = "apply"
    REJECT = "reject"
    UNDECIDED = "undecided"


@dataclass(frozen=True, slots=True)
class Contender:
    """One side of a conflict: the incoming write or the field's current value."""

    system: str | None
    role: str | None
    provenance: Provenance | None
    occurred_at: datetime | None
    stage_owner: bool
    """Owns the field at the person's current stage (its system, and a role the row allows)."""


Rule = Callable[[Contender, Contender], Verdict]


def owner_authoritative(incoming: Contender, current: Contender) -> Verdict:
    """The owner's word is the truth.

    A stale write from the owner replaces a value anyone else wrote. A stale write from anyone
    else is rejected, whoever wrote the current value: a writer without authority that did not
    see the current value must re-read it and write again. Between two of the owner's own
    writes, a late delivery of an older event is rejected as stale.

    Cannot decide: a newer owner write that did not see the owner's current value (a concurrent
    edit: applying it would silently discard a value its writer never saw), or two owner writes
    at the same instant. Add ``precedence_ladder`` as a fallback rule to let the later one win.
    """
    if not incoming.stage_owner:
        return Verdict.REJECT
    if not current.stage_owner:
        return Verdict.APPLY
    return _older_is_stale(incoming, current)


def stage_owner_wins(incoming: Contender, current: Contender) -> Verdict:
    """The system that owns the field at the person's current stage wins.

    A stale write from the current stage owner replaces a value from anyone else, including what
    the previous stage's owner wrote. A stale write from anyone else never replaces the stage
    owner's value. Between two of the stage owner's writes, a late delivery of an older event
    is rejected as stale.

    Cannot decide: neither side is the current stage owner (say a secondary writer against the
    previous stage's owner); a newer stage-owner write that did not see the stage owner's
    current value (a concurrent edit); two stage-owner writes at the same instant.
    """
    return _preferred(
        incoming.stage_owner, current.stage_owner, incoming, current, equals=_older_is_stale
    )


def provider_verified_overrides(incoming: Contender, current: Contender) -> Verdict:
    """A provider-verified value overrides one that is not, whoever owns the field.

    A stale provider-verified write replaces a value that is not provider-verified; a stale write
    that is not provider-verified never replaces a provider-verified value.

    Cannot decide: both sides provider-verified (two clinicians disagree), or neither is.
    """
    mine = incoming.provenance is Provenance.PROVIDER_VERIFIED
    theirs = current.provenance is Provenance.PROVIDER_VERIFIED
    if mine == theirs:
        return Verdict.UNDECIDED
    return Verdict.APPLY if mine else Verdict.REJECT


def most_recent_validated(incoming: Contender, current: Contender) -> Verdict:
    """The most recent validated value wins.

    Validated means it came from a validated workflow or a provider (provenance
    ``validated_workflow`` or ``provider_verified``), like a completion event the EHR recorded.
    A validated write replaces an unvalidated value; an unvalidated write never replaces a
    validated one; between two validated values, the one that happened later wins.

    Cannot decide: neither side is validated, or two validated values at the same instant.
    """
    return _preferred(
        incoming.provenance in _VALIDATED, current.provenance in _VALIDATED, incoming, current
    )


def most_recent_patient_confirmed(incoming: Contender, current: Contender) -> Verdict:
    """The most recent value the patient confirmed wins.

    Patient-confirmed means written with the role ``patient`` (the patient themselves, say in the
    portal), whatever system carried it. A patient-confirmed write replaces a value staff or an
    automation set; a write the patient did not confirm never replaces one they did; between two
    patient-confirmed values, the one that happened later wins.

    Cannot decide: neither side is patient-confirmed, or two at the same instant.
    """
    return _preferred(
        incoming.role == PATIENT_ROLE, current.role == PATIENT_ROLE, incoming, current
    )


def precedence_ladder(incoming: Contender, current: Contender) -> Verdict:
    """The more trusted provenance wins; between equals, the one that happened later.

    provider_verified > validated_workflow > user_entered > automation.

    Cannot decide: the same provenance at the same instant (an exact tie).
    """
    order = ladder(
        incoming.provenance, incoming.occurred_at, current.provenance, current.occurred_at
    )
    return _VERDICT[order]


def manual_review(incoming: Contender, current: Contender) -> Verdict:
    """A person decides: every stale write to this field escalates to the escalation owner.

    Never decides on its own, so it always answers ``UNDECIDED``.
    """
    return Verdict.UNDECIDED


CATALOG: dict[ConflictRule, Rule] = {
    ConflictRule.OWNER_AUTHORITATIVE: owner_authoritative,
    ConflictRule.STAGE_OWNER_WINS: stage_owner_wins,
    ConflictRule.PROVIDER_VERIFIED_OVERRIDES: provider_verified_overrides,
    ConflictRule.MOST_RECENT_VALIDATED: most_recent_validated,
    ConflictRule.MOST_RECENT_PATIENT_CONFIRMED: most_recent_patient_confirmed,
    ConflictRule.PRECEDENCE_LADDER: precedence_ladder,
    ConflictRule.MANUAL_REVIEW: manual_review,
}
"""Every rule of the catalog, by name."""


def judge(
    rules: Sequence[ConflictRule], incoming: Contender, current: Contender
) -> tuple[Verdict, ConflictRule]:
    """Ask ``rules`` in order; the first that decides answers.

    Returns the verdict and the rule that gave it; when none decides, ``UNDECIDED`` and the
    first rule (the row's own rule, which the escalation names).
    """
    for rule in rules:
        verdict = CATALOG[rule](incoming, current)
        if verdict is not Verdict.UNDECIDED:
            return verdict, rule
    return Verdict.UNDECIDED, rules[0]


_VERDICT = {1: Verdict.APPLY, -1: Verdict.REJECT, 0: Verdict.UNDECIDED}


def _later_wins(incoming: Contender, current: Contender) -> Verdict:
    return _VERDICT[recency(incoming.occurred_at, current.occurred_at)]


def _older_is_stale(incoming: Contender, current: Contender) -> Verdict:
    """Between equals by authority: an older event is stale; a newer one is a concurrent edit."""
    return (
        Verdict.REJECT
        if recency(incoming.occurred_at, current.occurred_at) < 0
        else (Verdict.UNDECIDED)
    )


def _preferred(
    mine: bool,
    theirs: bool,
    incoming: Contender,
    current: Contender,
    *,
    equals: Rule = _later_wins,
) -> Verdict:
    """The preferred side wins; between two preferred sides ``equals`` decides (by default the
    later); when neither side is preferred, undecided."""
    if mine and theirs:
        return equals(incoming, current)
    if mine:
        return Verdict.APPLY
    if theirs:
        return Verdict.REJECT
    return Verdict.UNDECIDED

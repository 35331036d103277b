"""The link table: which person each source record belongs to, and why (DESIGN §5).

Not a destructive merge: a record's link is replaced by a new link, and the old one is kept
with its ``superseded_at``, so a record's history reads like a ledger. A link says how it came
to be: the match result, whether automation or a person made it, the score and the comparison
vector that justified it.

The rule this module holds: **automation never overrides a manual decision**. A record linked
by a person (a merge, an unmerge, an accepted review) stays where that person put it, whatever
the matcher says later; an automatic link may be moved by a later automatic match, unless the
two persons were marked not-duplicate.

Example::

    link = Link(RecordKey("crm", "c-81"), "per_000001", LinkResult.MATCHED,
                LinkSource.AUTOMATIC, created_at=now, score=14.2,
                comparison="given=exact,phone=exact")
    relink_verdict(link, "per_000007", pair_rejected=False)   # RelinkVerdict.RELINK
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from splitbrain.engine.domain.identity.record import RecordKey

__all__ = [
    "Link",
    "LinkResult",
    "LinkSource",
    "RelinkVerdict",
    "comparison_summary",
    "relink_verdict",
]


class LinkResult(StrEnum):
    """What put the record with its person."""

    MATCHED = "matched"
    """The matcher linked it to an existing person (high band)."""
    CREATED = "created"
    """A new person was created for it (none band, or ineligible for auto-linking)."""
    PROVISIONAL = "provisional"
    """A provisional person was created and a merge-review item opened (medium, ambiguous)."""
    REVIEW_TAG = "review_tag"
    """A new person was created with a review tag (low band)."""
    MERGED = "merged"
    """A merge moved it from the retired person to the survivor."""
    LINKED_BY_HAND = "linked_by_hand"
    """A data steward linked it to this person (``manual.py``)."""
    UNLINKED = "unlinked"
    """A data steward took it out of its person into a new person of its own."""


class LinkSource(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class Link:
    """One record -> person link. ``superseded_at`` is None while it is the record's link."""

    record: RecordKey
    person: str
    result: LinkResult
    source: LinkSource
    created_at: datetime
    score: float | None = None
    comparison: str = ""
    """The comparison vector, levels only: ``"date_of_birth=exact,given=jaro_winkler_high"``."""
    via: str | None = None
    """The merge id or review id that made this link (None for a registration)."""
    superseded_at: datetime | None = None

    @property
    def current(self) -> bool:
        return self.superseded_at is None

    @property
    def manual(self) -> bool:
        return self.source is LinkSource.MANUAL

    def superseded(self, at: datetime) -> Link:
        """This link, replaced at ``at``."""
        return replace(self, superseded_at=at)

    def reinstated(self) -> Link:
        """This link as the record's current link again (an unmerge puts it back as it was)."""
        return replace(self, superseded_at=None)


class RelinkVerdict(StrEnum):
    """What happens when a later automatic match points a linked record at another person."""

    KEEP = "keep"
    """The match agrees with the link."""
    RELINK = "relink"
    """An automatic link follows the better automatic match."""
    KEEP_MANUAL = "manual_link"
    """A person made this link; automation does not override it."""
    KEEP_NOT_DUPLICATE = "not_duplicate"
    """A person said the two persons are not duplicates; automation does not join them."""


def relink_verdict(current: Link, proposed: str, *, pair_rejected: bool) -> RelinkVerdict:
    """May automation move ``current`` to ``proposed``? (``pair_rejected``: the two persons
    were marked not-duplicate by a reviewer.)"""
    if proposed == current.person:
        return RelinkVerdict.KEEP
    if current.manual:
        return RelinkVerdict.KEEP_MANUAL
    if pair_rejected:
        return RelinkVerdict.KEEP_NOT_DUPLICATE
    return RelinkVerdict.RELINK


def comparison_summary(levels: Mapping[str, str]) -> str:
    """The comparison vector as one stable string, comparisons in name order; no values."""
    return ",".join(f"{name}={level}" for name, level in sorted(levels.items()))

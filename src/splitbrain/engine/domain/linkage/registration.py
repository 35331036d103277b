"""What registering one source record does, given the matcher's decision (DESIGN §5).

A record from any system goes through the identity index before a person is created:

=============  ===============================================================================
band           effect
=============  ===============================================================================
high           link to the existing person (the create is blocked)
medium         create a provisional person, open a merge-review item with the best candidate
low            create a person with a review tag
none           create a person
ambiguous      create a provisional person; open review items with each person it matched at
               high and between those persons, and flag them as possible duplicates
ineligible     create a person; never auto-link (too little identity data, a placeholder)
=============  ===============================================================================

A record already linked (a re-registration: the source system sent an update) keeps its person
unless the matcher now links it at high to another person and the link was made by automation
(a manual link is never overridden, nor a pair marked not-duplicate: ``ManualLinkKept``).

Example::

    plan = plan_new(decision, new_person="per_000002", at=now, resolve=persons.resolve,
                    pairs=review_queue)
    plan.person, plan.link, plan.review_pairs
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations
from typing import Protocol

from splitbrain.engine.domain.identity.decision import MatchDecision
from splitbrain.engine.domain.identity.record import RecordKey
from splitbrain.engine.domain.linkage.links import (
    Link,
    LinkResult,
    LinkSource,
    RelinkVerdict,
    comparison_summary,
    relink_verdict,
)
from splitbrain.engine.domain.linkage.persons import Person, PersonStatus, PersonTag

__all__ = [
    "ManualLinkKept",
    "PossibleDuplicateFlagged",
    "RecordRegistered",
    "Registration",
    "plan_known",
    "plan_new",
]

Resolve = Callable[[str], str]


class PairBook(Protocol):
    """What the review queue knows about a pair of persons."""

    def rejected(self, a: str, b: str) -> bool:
        """A reviewer marked the pair not-duplicate."""
        ...

    def queued(self, a: str, b: str) -> bool:
        """An open review item names the pair."""
        ...


def _suggestible(book: PairBook, a: str, b: str) -> bool:
    return not book.rejected(a, b) and not book.queued(a, b)


@dataclass(frozen=True, slots=True)
class RecordRegistered:
    """A record went through the index; ``link`` is its link now."""

    record: RecordKey
    person: str
    band: str
    match_grade: str
    score: float | None
    probability: float | None
    candidate: str | None
    """The best candidate person (resolved), if the matcher found any."""
    link: Link
    created: bool
    """A new person was created for the record."""
    relinked_from: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class ManualLinkKept:
    """Automation proposed to move a record whose link a person decided: the link stands."""

    record: RecordKey
    person: str
    proposed: str
    verdict: RelinkVerdict
    at: datetime


@dataclass(frozen=True, slots=True)
class PossibleDuplicateFlagged:
    """A record matched these persons at high: they may be duplicates of each other."""

    persons: tuple[str, ...]
    record: RecordKey
    at: datetime


@dataclass(frozen=True, slots=True)
class Registration:
    """The changes one registration makes; the handler stores them and opens review items."""

    file_under: str
    """The person the index files the record under."""
    registered: RecordRegistered
    person: Person | None = None
    """A person to create."""
    link: Link | None = None
    """A link to store (it supersedes the record's current link)."""
    review_pairs: tuple[tuple[str, str], ...] = ()
    """(person, candidate) pairs to open review items for."""
    flagged: tuple[str, ...] = ()
    extra: tuple[ManualLinkKept | PossibleDuplicateFlagged, ...] = ()

    @property
    def events(self) -> tuple[RecordRegistered | ManualLinkKept | PossibleDuplicateFlagged, ...]:
        return (self.registered, *self.extra)


_NEW_PERSON = {
    "medium": (PersonStatus.PROVISIONAL, LinkResult.PROVISIONAL),
    "ambiguous": (PersonStatus.PROVISIONAL, LinkResult.PROVISIONAL),
    "low": (PersonStatus.ACTIVE, LinkResult.REVIEW_TAG),
    "none": (PersonStatus.ACTIVE, LinkResult.CREATED),
    "ineligible": (PersonStatus.ACTIVE, LinkResult.CREATED),
}


def plan_new(
    decision: MatchDecision,
    *,
    new_person: str,
    at: datetime,
    resolve: Resolve,
    pairs: PairBook,
) -> Registration:
    """A record seen for the first time; ``new_person`` is its person unless it links."""
    candidate = None if decision.person_id is None else resolve(decision.person_id)
    if decision.band == "high" and candidate is not None:
        link = _link(decision, candidate, LinkResult.MATCHED, at)
        return Registration(candidate, _registered(decision, link, at, candidate), link=link)
    status, result = _NEW_PERSON[decision.band]
    person = Person(new_person, status, at)
    if decision.band == "low":
        person = person.tagged(PersonTag.REVIEW)
    link = _link(decision, new_person, result, at)
    review, flagged, flag = _review(
        decision, new_person, candidate, at=at, resolve=resolve, pairs=pairs
    )
    event = _registered(decision, link, at, candidate, created=True)
    return Registration(new_person, event, person, link, review, flagged, flag)


def plan_known(
    decision: MatchDecision,
    current: Link,
    *,
    at: datetime,
    resolve: Resolve,
    pairs: PairBook,
) -> Registration:
    """A record already linked (an update): relink only an automatic link, only at high."""
    person = resolve(current.person)
    candidate = None if decision.person_id is None else resolve(decision.person_id)
    if decision.band == "high" and candidate is not None and candidate != person:
        rejected = pairs.rejected(person, candidate)
        verdict = relink_verdict(current, candidate, pair_rejected=rejected)
        if verdict is RelinkVerdict.RELINK:
            link = _link(decision, candidate, LinkResult.MATCHED, at)
            event = _registered(decision, link, at, candidate, relinked_from=person)
            return Registration(candidate, event, link=link)
        kept = ManualLinkKept(current.record, person, candidate, verdict, at)
        return Registration(person, _registered(decision, current, at, candidate), extra=(kept,))
    review, flagged, flag = _review(
        decision, person, candidate, at=at, resolve=resolve, pairs=pairs
    )
    event = _registered(decision, current, at, candidate)
    return Registration(person, event, None, None, review, flagged, flag)


def _review(
    decision: MatchDecision,
    person: str,
    candidate: str | None,
    *,
    at: datetime,
    resolve: Resolve,
    pairs: PairBook,
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[PossibleDuplicateFlagged, ...]]:
    if decision.band == "medium" and candidate is not None and candidate != person:
        wanted = ((person, candidate),) if _suggestible(pairs, person, candidate) else ()
        return wanted, (), ()
    if decision.band != "ambiguous":
        return (), (), ()
    matched = tuple(dict.fromkeys(resolve(p) for p in decision.possible_duplicates if p))
    matched = tuple(p for p in matched if p != person)
    among = [(a, b) for a, b in combinations(matched, 2) if not pairs.rejected(a, b)]
    every = [*((person, c) for c in matched), *among]
    review = tuple(pair for pair in every if _suggestible(pairs, *pair))
    if not among:
        return review, (), ()
    flagged = tuple(dict.fromkeys(p for pair in among for p in pair))
    return review, flagged, (PossibleDuplicateFlagged(flagged, decision.record.key, at),)


def _link(decision: MatchDecision, person: str, result: LinkResult, at: datetime) -> Link:
    explanation = decision.explanation
    levels = {} if explanation is None else explanation.levels()
    summary = comparison_summary(levels)
    if decision.band == "ineligible":
        summary = ",".join(["ineligible", *decision.ineligible_reasons, summary]).rstrip(",")
    return Link(
        decision.record.key,
        person,
        result,
        LinkSource.AUTOMATIC,
        created_at=at,
        score=decision.score,
        comparison=summary,
    )


def _registered(
    decision: MatchDecision,
    link: Link,
    at: datetime,
    candidate: str | None,
    *,
    created: bool = False,
    relinked_from: str | None = None,
) -> RecordRegistered:
    explanation = decision.explanation
    return RecordRegistered(
        record=decision.record.key,
        person=link.person,
        band=decision.band,
        match_grade=decision.match_grade,
        score=decision.score,
        probability=None if explanation is None else explanation.probability,
        candidate=candidate,
        link=link,
        created=created,
        relinked_from=relinked_from,
        at=at,
    )

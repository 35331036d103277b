"""Persons as the link table knows them: status, tags, and where a retired id redirects.

A merge never deletes the retired person: it is kept with ``status=retired`` and
``merged_into`` naming the survivor, so every old reference to it still resolves. Redirects
chain (A merged into B, B later into C: A resolves to C); an unmerge breaks the chain again.

Example::

    resolve("per_000001", persons.find)     # -> "per_000003" after two merges
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from splitbrain.engine.domain.linkage.errors import LinkageError

__all__ = ["Person", "PersonStatus", "PersonTag", "resolve"]


class PersonStatus(StrEnum):
    ACTIVE = "active"
    PROVISIONAL = "provisional"
    """Created for a record in the review band; confirmed by a rejected review or a merge."""
    RETIRED = "retired"
    """Merged into another person (``merged_into``)."""


class PersonTag(StrEnum):
    REVIEW = "review_tag"
    """Created from a low-band match: worth a look, not a merge-review item."""
    POSSIBLE_DUPLICATE = "possible_duplicate"
    """A record matched this person and another one at high: they may be duplicates."""


@dataclass(frozen=True, slots=True)
class Person:
    person: str
    status: PersonStatus
    created_at: datetime
    tags: frozenset[PersonTag] = frozenset()
    merged_into: str | None = None

    @property
    def retired(self) -> bool:
        return self.status is PersonStatus.RETIRED

    def tagged(self, tag: PersonTag) -> Person:
        return replace(self, tags=self.tags | {tag})

    def confirmed(self) -> Person:
        """A provisional person confirmed as a person of its own."""
        if self.status is PersonStatus.PROVISIONAL:
            return replace(self, status=PersonStatus.ACTIVE)
        return self

    def retired_into(self, survivor: str) -> Person:
        return replace(self, status=PersonStatus.RETIRED, merged_into=survivor)


_MAX_CHAIN = 10_000
"""The longest redirect chain followed: a longer one is treated as a corrupt person table."""


def resolve(person: str, find: Callable[[str], Person | None]) -> str:
    """The live person ``person`` stands for: itself, or the end of its ``merged_into`` chain.

    An id the store does not know resolves to itself (it was never merged). The walk is
    bounded (:data:`_MAX_CHAIN` hops) and cycle-safe: a chain that comes back to an id it
    passed raises at once, naming the ids of the loop.
    """
    current, seen = person, {person: 0}
    for _ in range(_MAX_CHAIN):
        found = find(current)
        if found is None or found.merged_into is None:
            return current
        current = found.merged_into
        if current in seen:
            loop = " -> ".join([*list(seen)[seen[current] :], current])
            raise LinkageError(
                f"person {person} redirects in a cycle ({loop}): the person table is corrupt; "
                "repair the merged_into chain (a live person has no merged_into)"
            )
        seen[current] = len(seen)
    raise LinkageError(
        f"person {person} redirects through more than {_MAX_CHAIN} merges: the person table "
        "is corrupt; repair the merged_into chain"
    )

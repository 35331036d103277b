"""The identity index port: what the engine and the linkage code call (DESIGN §5).

Adapters implement it in memory and on SQLite (``engine/adapters/identity``); both use the same
:class:`~splitbrain.engine.domain.identity.matcher.Matcher`, so ingest and bulk dedupe score
alike. Candidates come from blocking keys only, never from all pairs.

Example::

    index = build_index("memory", config)            # engine/adapters/identity
    decision = index.match_and_insert(record, new_person_id=lambda: next(ids))
    if decision.band == "medium":
        open_review(decision.record.key, decision.person_id)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from splitbrain.engine.domain.identity.decision import MatchDecision
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey

__all__ = ["EditCheck", "IdentityIndex", "SimilarityFunction"]


class SimilarityFunction(Protocol):
    """A string similarity in [0, 1] (Jaro-Winkler in the adapters, via rapidfuzz)."""

    def __call__(self, left: str, right: str) -> float: ...


class EditCheck(Protocol):
    """Whether two strings are exactly one edit apart: a character substituted, inserted or
    deleted, or two adjacent ones swapped (``comparisons.one_edit`` in pure Python; the
    adapters inject rapidfuzz's optimal string alignment distance, the same answer faster)."""

    def __call__(self, left: str, right: str) -> bool: ...


class IdentityIndex(Protocol):
    """Records filed under persons, with blocking indexes for candidate search."""

    def match(self, record: IdentityRecord) -> MatchDecision:
        """Score ``record`` against the persons its blocking keys find; change nothing."""
        ...

    def insert(self, record: IdentityRecord, person_id: str) -> None:
        """File ``record`` under ``person_id``; raises ``DuplicateRecord`` if its key is held."""
        ...

    def match_and_insert(
        self, record: IdentityRecord, new_person_id: Callable[[], str]
    ) -> MatchDecision:
        """Match, then file the record: under the match on ``high``, else under a new person.

        ``new_person_id`` is called only when a new person is created. The returned decision's
        ``assigned_person_id`` names where the record went.
        """
        ...

    def remove(self, record_key: RecordKey) -> None:
        """Drop a record and its blocking entries; raises ``UnknownRecord``."""
        ...

    def move(self, record_key: RecordKey, person_id: str) -> None:
        """File a held record under another person (merge, unmerge); raises ``UnknownRecord``."""
        ...

    def get(self, record_key: RecordKey) -> IdentityRecord | None:
        """The held record, or ``None``."""
        ...

    def person_of(self, record_key: RecordKey) -> str | None:
        """The person a held record is filed under, or ``None``."""
        ...

    def records_of(self, person_id: str) -> tuple[RecordKey, ...]:
        """The keys of the records filed under ``person_id`` (empty if none)."""
        ...

    def __len__(self) -> int:
        """How many records the index holds."""
        ...

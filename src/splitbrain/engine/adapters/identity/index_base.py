"""What both identity indexes share: candidates by blocking keys, then the one matcher.

A subclass stores records and blocks; this base turns a record into its keys (placeholders
scrubbed first, so "Unknown" blocks nobody), skips key values shared by more records than the
block limit (they identify nobody), scores the rest with the matcher, and files records.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable

from splitbrain.engine.domain.identity.blocking import BlockingKeys
from splitbrain.engine.domain.identity.decision import MatchDecision
from splitbrain.engine.domain.identity.matcher import Matcher, ScoredRecord
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey

__all__ = ["BlockedIndex"]


class BlockedIndex(ABC):
    """An identity index over blocking keys (see ``domain/identity/ports.py``)."""

    def __init__(
        self, matcher: Matcher, blocking: BlockingKeys, max_block: int, max_exact_block: int
    ) -> None:
        self.matcher = matcher
        self.blocking = blocking
        self.max_block = max_block
        self.max_exact_block = max_exact_block
        self._last: tuple[IdentityRecord | None, tuple[str, ...]] = (None, ())

    def keys_of(self, record: IdentityRecord) -> tuple[str, ...]:
        """The blocking keys a record is filed and searched under.

        The last record's keys are kept: a match then an insert of one (frozen) record ask
        twice, and the keys cost a scrub and a handful of Soundex codes.
        """
        last, keys = self._last
        if last is record:
            return keys
        keys = self.blocking.keys(self.matcher.gate.scrub(record))
        self._last = (record, keys)
        return keys

    def limit_of(self, key: str) -> int:
        return self.max_exact_block if BlockingKeys.is_exact(key) else self.max_block

    @abstractmethod
    def candidates(self, record: IdentityRecord) -> list[tuple[IdentityRecord, str]]:
        """Stored records sharing a usable blocking key with ``record``, with their persons."""

    @abstractmethod
    def insert(self, record: IdentityRecord, person_id: str) -> None: ...

    @abstractmethod
    def remove(self, record_key: RecordKey) -> None: ...

    @abstractmethod
    def move(self, record_key: RecordKey, person_id: str) -> None: ...

    @abstractmethod
    def get(self, record_key: RecordKey) -> IdentityRecord | None: ...

    @abstractmethod
    def person_of(self, record_key: RecordKey) -> str | None: ...

    @abstractmethod
    def records_of(self, person_id: str) -> tuple[RecordKey, ...]: ...

    @abstractmethod
    def __len__(self) -> int: ...

    def match(self, record: IdentityRecord) -> MatchDecision:
        return self.matcher.match(record, self.candidates(record))

    def scored(self, record: IdentityRecord) -> list[ScoredRecord]:
        """Every candidate record's score (for pair reports), best person not chosen yet."""
        return self.matcher.scored(record, self.candidates(record))

    def match_and_insert(
        self, record: IdentityRecord, new_person_id: Callable[[], str]
    ) -> MatchDecision:
        decision = self.match(record)
        return self.file(decision, new_person_id)

    def file(self, decision: MatchDecision, new_person_id: Callable[[], str]) -> MatchDecision:
        """Insert a matched record: under the match on ``high``, else under a new person."""
        person = decision.person_id
        if decision.band != "high" or person is None:
            person = new_person_id()
        self.insert(decision.record, person)
        return decision.assigned(person)

    @staticmethod
    def dedupe(keys: Iterable[RecordKey]) -> list[RecordKey]:
        return list(dict.fromkeys(keys))

"""The in-memory identity index: dictionaries of blocking keys (tests, bulk dedupe, benches).

Example::

    index = MemoryIdentityIndex(parts.matcher, parts.blocking, max_block=200,
                                max_exact_block=2000)
    decision = index.match_and_insert(record, new_person_id=lambda: next(ids))
"""

from __future__ import annotations

from collections.abc import Callable

from splitbrain.engine.adapters.identity.index_base import BlockedIndex
from splitbrain.engine.domain.identity.blocking import BlockingKeys
from splitbrain.engine.domain.identity.decision import MatchDecision
from splitbrain.engine.domain.identity.errors import DuplicateRecord, UnknownRecord
from splitbrain.engine.domain.identity.matcher import Matcher
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey

__all__ = ["MemoryIdentityIndex"]


class _Entry:
    __slots__ = ("clean", "keys", "person_id", "record")

    def __init__(
        self, record: IdentityRecord, clean: IdentityRecord, person_id: str, keys: tuple[str, ...]
    ) -> None:
        self.record = record
        self.clean = clean
        """The record with placeholders scrubbed, as the matcher compares it (kept, not redone)."""
        self.person_id = person_id
        self.keys = keys


class MemoryIdentityIndex(BlockedIndex):
    """Records, persons and blocks in dictionaries; one record at a time."""

    def __init__(
        self, matcher: Matcher, blocking: BlockingKeys, max_block: int, max_exact_block: int
    ) -> None:
        super().__init__(matcher, blocking, max_block, max_exact_block)
        self._entries: dict[RecordKey, _Entry] = {}
        self._blocks: dict[str, list[RecordKey]] = {}
        self._persons: dict[str, list[RecordKey]] = {}

    def candidates(self, record: IdentityRecord) -> list[tuple[IdentityRecord, str]]:
        entries = self._entries
        return [(entries[k].record, entries[k].person_id) for k in self._found(record, None)]

    def match(self, record: IdentityRecord) -> MatchDecision:
        return self._match(record, self.keys_of(record))

    def match_and_insert(
        self, record: IdentityRecord, new_person_id: Callable[[], str]
    ) -> MatchDecision:
        """Match, then file: the record's blocking keys are computed once for both."""
        clean = self.matcher.gate.scrub(record)
        keys = self.blocking.keys(clean)
        decision = self._match(record, keys)
        person = decision.person_id
        if decision.band != "high" or person is None:
            person = new_person_id()
        self._insert(record, person, (clean, keys))
        return decision.assigned(person)

    def _match(self, record: IdentityRecord, keys: tuple[str, ...]) -> MatchDecision:
        entries = self._entries
        found = [(entries[k].clean, entries[k].person_id) for k in self._found(record, keys)]
        return self.matcher.match(record, found, scrubbed=True)

    def _found(self, record: IdentityRecord, keys: tuple[str, ...] | None) -> list[RecordKey]:
        usable: list[list[RecordKey]] = []
        blocks = self._blocks
        for key in self.keys_of(record) if keys is None else keys:
            block = blocks.get(key)
            if block is not None and len(block) <= self.limit_of(key):
                usable.append(block)
        return self.blocking.choose(usable, record.key)

    def insert(self, record: IdentityRecord, person_id: str) -> None:
        self._insert(record, person_id, None)

    def _insert(
        self,
        record: IdentityRecord,
        person_id: str,
        scrubbed: tuple[IdentityRecord, tuple[str, ...]] | None,
    ) -> None:
        key = record.key
        if key in self._entries:
            raise DuplicateRecord(
                f"record {key} is already in the identity index (person "
                f"{self._entries[key].person_id}); move or remove it instead"
            )
        if scrubbed is None:
            clean = self.matcher.gate.scrub(record)
            scrubbed = clean, self.blocking.keys(clean)
        clean, keys = scrubbed
        self._entries[key] = _Entry(record, clean, person_id, keys)
        for block_key in keys:
            self._blocks.setdefault(block_key, []).append(key)
        self._persons.setdefault(person_id, []).append(key)

    def remove(self, record_key: RecordKey) -> None:
        entry = self._take(record_key)
        for block_key in entry.keys:
            block = self._blocks[block_key]
            block.remove(record_key)
            if not block:
                del self._blocks[block_key]
        self._unfile(record_key, entry.person_id)

    def move(self, record_key: RecordKey, person_id: str) -> None:
        entry = self._get(record_key)
        self._unfile(record_key, entry.person_id)
        entry.person_id = person_id
        self._persons.setdefault(person_id, []).append(record_key)

    def get(self, record_key: RecordKey) -> IdentityRecord | None:
        entry = self._entries.get(record_key)
        return None if entry is None else entry.record

    def person_of(self, record_key: RecordKey) -> str | None:
        entry = self._entries.get(record_key)
        return None if entry is None else entry.person_id

    def records_of(self, person_id: str) -> tuple[RecordKey, ...]:
        return tuple(self._persons.get(person_id, ()))

    def __len__(self) -> int:
        return len(self._entries)

    def block_sizes(self) -> dict[str, int]:
        """Block key -> how many records share it (for reports and tests)."""
        return {k: len(v) for k, v in self._blocks.items()}

    def _get(self, record_key: RecordKey) -> _Entry:
        entry = self._entries.get(record_key)
        if entry is None:
            raise UnknownRecord(f"record {record_key} is not in the identity index")
        return entry

    def _take(self, record_key: RecordKey) -> _Entry:
        entry = self._get(record_key)
        del self._entries[record_key]
        return entry

    def _unfile(self, record_key: RecordKey, person_id: str) -> None:
        held = self._persons[person_id]
        held.remove(record_key)
        if not held:
            del self._persons[person_id]

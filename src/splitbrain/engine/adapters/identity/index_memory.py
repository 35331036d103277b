"""The in-memory identity index: dictionaries of blocking keys (tests, bulk dedupe, benches).

Example::

    index = MemoryIdentityIndex(parts.matcher, parts.blocking, max_block=200,
                                max_exact_block=2000)
    decision = index.match_and_insert(record, new_person_id=lambda: next(ids))
"""

from __future__ import annotations

from splitbrain.engine.adapters.identity.index_base import BlockedIndex
from splitbrain.engine.domain.identity.blocking import BlockingKeys
from splitbrain.engine.domain.identity.errors import DuplicateRecord, UnknownRecord
from splitbrain.engine.domain.identity.matcher import Matcher
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey

__all__ = ["MemoryIdentityIndex"]


class _Entry:
    __slots__ = ("keys", "person_id", "record")

    def __init__(self, record: IdentityRecord, person_id: str, keys: tuple[str, ...]) -> None:
        self.record = record
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
        found: dict[RecordKey, None] = {}
        blocks = self._blocks
        for key in self.keys_of(record):
            block = blocks.get(key)
            if block is not None and len(block) <= self.limit_of(key):
                found.update(dict.fromkeys(block))
        found.pop(record.key, None)
        entries = self._entries
        return [(entries[k].record, entries[k].person_id) for k in found]

    def insert(self, record: IdentityRecord, person_id: str) -> None:
        key = record.key
        if key in self._entries:
            raise DuplicateRecord(
                f"record {key} is already in the identity index (person "
                f"{self._entries[key].person_id}); move or remove it instead"
            )
        keys = self.keys_of(record)
        self._entries[key] = _Entry(record, person_id, keys)
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

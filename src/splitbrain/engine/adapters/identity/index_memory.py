"""The in-memory identity index: dictionaries of blocking keys (tests, bulk dedupe, benches).

Lean, as it holds a million records in one process: a block maps its key to the entries that
share it (the entry itself while it is the only one, a list from the second on, as most key
values are held by one record), an entry keeps no copy of its keys (they are worked out again
from its scrubbed record on ``remove``), and a person maps to its record key while it holds
one record. The key strings are held once, by the block dictionary.

Example::

    index = MemoryIdentityIndex(parts.matcher, parts.blocking, max_block=200,
                                max_exact_block=2000)
    decision = index.match_and_insert(record, new_person_id=lambda: next(ids))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from splitbrain.engine.adapters.identity.index_base import BlockedIndex
from splitbrain.engine.domain.identity.blocking import BlockingKeys
from splitbrain.engine.domain.identity.decision import MatchDecision
from splitbrain.engine.domain.identity.errors import DuplicateRecord, UnknownRecord
from splitbrain.engine.domain.identity.matcher import Matcher
from splitbrain.engine.domain.identity.record import IdentityRecord, RecordKey

__all__ = ["MemoryIdentityIndex"]


class _Entry:
    __slots__ = ("clean", "person_id", "record")

    def __init__(self, record: IdentityRecord, clean: IdentityRecord, person_id: str) -> None:
        self.record = record
        self.clean = clean
        """The record with placeholders scrubbed, as the matcher compares it (kept, not redone)."""
        self.person_id = person_id


_Block = _Entry | list[_Entry]
"""The records sharing one key: the entry itself while it is the only one."""
_Held = RecordKey | list[RecordKey]
"""A person's records: the record key itself while there is one."""


class MemoryIdentityIndex(BlockedIndex):
    """Records, persons and blocks in dictionaries; one record at a time."""

    def __init__(
        self, matcher: Matcher, blocking: BlockingKeys, max_block: int, max_exact_block: int
    ) -> None:
        super().__init__(matcher, blocking, max_block, max_exact_block)
        self._entries: dict[RecordKey, _Entry] = {}
        self._blocks: dict[str, _Block] = {}
        self._persons: dict[str, _Held] = {}

    def candidates(self, record: IdentityRecord) -> list[tuple[IdentityRecord, str]]:
        return [(e.record, e.person_id) for e in self._found(record, self.keys_of(record))]

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
        self._insert(record, person, clean, keys)
        return decision.assigned(person)

    def _match(self, record: IdentityRecord, keys: tuple[str, ...]) -> MatchDecision:
        found = [(e.clean, e.person_id) for e in self._found(record, keys)]
        return self.matcher.match(record, found, scrubbed=True)

    def _found(self, record: IdentityRecord, keys: tuple[str, ...]) -> list[_Entry]:
        usable: list[Sequence[_Entry]] = []
        blocks = self._blocks
        for key in keys:
            block = blocks.get(key)
            if block is None:
                continue
            if isinstance(block, _Entry):
                usable.append((block,))
            elif len(block) <= self.limit_of(key):
                usable.append(block)
        return self.blocking.choose(usable, self._entries.get(record.key))

    def insert(self, record: IdentityRecord, person_id: str) -> None:
        clean = self.matcher.gate.scrub(record)
        self._insert(record, person_id, clean, self.blocking.keys(clean))

    def _insert(
        self, record: IdentityRecord, person_id: str, clean: IdentityRecord, keys: tuple[str, ...]
    ) -> None:
        key = record.key
        held = self._entries.get(key)
        if held is not None:
            raise DuplicateRecord(
                f"record {key} is already in the identity index (person "
                f"{held.person_id}); move or remove it instead"
            )
        entry = self._entries[key] = _Entry(record, clean, person_id)
        blocks = self._blocks
        for block_key in keys:
            block = blocks.get(block_key)
            if block is None:
                blocks[block_key] = entry
            elif isinstance(block, _Entry):
                blocks[block_key] = [block, entry]
            else:
                block.append(entry)
        self._file(key, person_id)

    def remove(self, record_key: RecordKey) -> None:
        entry = self._get(record_key)
        del self._entries[record_key]
        blocks = self._blocks
        for block_key in self.blocking.keys(entry.clean):  # the keys it was filed under
            block = blocks[block_key]
            if block is entry:
                del blocks[block_key]
                continue
            assert isinstance(block, list)
            block.remove(entry)
            if len(block) == 1:
                blocks[block_key] = block[0]
        self._unfile(record_key, entry.person_id)

    def move(self, record_key: RecordKey, person_id: str) -> None:
        entry = self._get(record_key)
        self._unfile(record_key, entry.person_id)
        entry.person_id = person_id
        self._file(record_key, person_id)

    def get(self, record_key: RecordKey) -> IdentityRecord | None:
        entry = self._entries.get(record_key)
        return None if entry is None else entry.record

    def person_of(self, record_key: RecordKey) -> str | None:
        entry = self._entries.get(record_key)
        return None if entry is None else entry.person_id

    def records_of(self, person_id: str) -> tuple[RecordKey, ...]:
        held = self._persons.get(person_id)
        if held is None:
            return ()
        return tuple(held) if isinstance(held, list) else (held,)

    def __len__(self) -> int:
        return len(self._entries)

    def block_sizes(self) -> dict[str, int]:
        """Block key -> how many records share it (for reports and tests)."""
        return {k: 1 if isinstance(v, _Entry) else len(v) for k, v in self._blocks.items()}

    def _get(self, record_key: RecordKey) -> _Entry:
        entry = self._entries.get(record_key)
        if entry is None:
            raise UnknownRecord(f"record {record_key} is not in the identity index")
        return entry

    def _file(self, record_key: RecordKey, person_id: str) -> None:
        held = self._persons.get(person_id)
        if held is None:
            self._persons[person_id] = record_key
        elif isinstance(held, list):
            held.append(record_key)
        else:
            self._persons[person_id] = [held, record_key]

    def _unfile(self, record_key: RecordKey, person_id: str) -> None:
        held = self._persons[person_id]
        if not isinstance(held, list):
            del self._persons[person_id]
            return
        held.remove(record_key)
        if len(held) == 1:
            self._persons[person_id] = held[0]

"""``KeyFilter``: a Bloom filter that answers "this idempotency key was surely never claimed".

Nearly every write carries a key never seen before, and asking SQL to confirm that costs more
than deciding the write. The SQLite decision log keeps every claimed key in this filter: a key
the filter does not hold was never claimed (no SQL), a key it holds may have been (SQL says).
A filter never forgets a key, so a purged key only costs a query; whoever owns it drops it when
another connection may have claimed keys behind its back, and builds it again from the table.

Two probes per key from Python's own string hash (salted per process; the filter lives in one
process) over 16 bits per key of capacity: about 1.4% of unseen keys still go to SQL at full
capacity, fewer below it.

Example::

    seen = KeyFilter.sized(1_000)
    seen.add("crm:evt-1")
    "crm:evt-1" in seen         # True
    "crm:evt-2" in seen         # False (almost always; True would only cost a query)
"""

from __future__ import annotations

_MIN_CAPACITY = 1 << 16
_BITS_PER_KEY = 16


class KeyFilter:
    """A Bloom filter over strings with a capacity; ``full`` once past it (build a larger)."""

    __slots__ = ("_bits", "_mask", "capacity", "count")

    def __init__(self, capacity: int) -> None:
        size = _MIN_CAPACITY
        while size < capacity:
            size <<= 1
        self.capacity = size
        self.count = 0
        self._mask = size * _BITS_PER_KEY - 1
        self._bits = bytearray(size * _BITS_PER_KEY // 8)

    @classmethod
    def sized(cls, keys: int) -> KeyFilter:
        """A filter with room for twice ``keys`` (the keys there are now, and as many again)."""
        return cls(2 * keys)

    @property
    def full(self) -> bool:
        return self.count > self.capacity

    def add(self, key: str) -> None:
        h, mask, bits = hash(key), self._mask, self._bits
        a, b = h & mask, (h >> 32) & mask
        bits[a >> 3] |= 1 << (a & 7)
        bits[b >> 3] |= 1 << (b & 7)
        self.count += 1

    def __contains__(self, key: str) -> bool:
        h, mask, bits = hash(key), self._mask, self._bits
        a, b = h & mask, (h >> 32) & mask
        return bool(bits[a >> 3] & (1 << (a & 7))) and bool(bits[b >> 3] & (1 << (b & 7)))

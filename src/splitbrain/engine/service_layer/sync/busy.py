"""Run a store transaction again when the store was busy: SQLite's lock held past its busy
timeout, a PostgreSQL serialization failure or deadlock (``StoreBusy``: rolled back whole,
nothing kept, safe to run again as is).

Bounded: at most ``attempts`` runs, with capped exponential backoff and full jitter between
them (seeded); the last ``StoreBusy`` is raised to the caller, whose own retry (the item's
lease, its release with a delay) takes over. Every retry and every exhaustion is counted, for
``/metrics`` (``splitbrain_store_busy_retries_total``)::

    busy = BusyRetry(attempts=5, base=0.005, cap=0.2, seed=1)
    items = busy.run(lambda: store.claim_inbox("worker-1", now=now, lease=lease, limit=32))
    busy.retries        # how many runs a busy store cost
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from splitbrain.engine.service_layer.errors import StoreBusy

T = TypeVar("T")


@dataclass(slots=True)
class BusyRetry:
    attempts: int = 5
    base: float = 0.005
    cap: float = 0.2
    seed: int = 0
    sleep: Callable[[float], None] = time.sleep
    retries: int = 0
    """Runs repeated because the store was busy."""
    exhausted: int = 0
    """Transactions still busy after ``attempts`` runs (raised to the caller)."""
    _rng: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base <= 0 or self.cap < self.base:
            raise ValueError(
                f"BusyRetry needs attempts >= 1 and 0 < base <= cap; got attempts="
                f"{self.attempts}, base={self.base}, cap={self.cap}"
            )
        self._rng = random.Random(self.seed)

    def run(self, transaction: Callable[[], T]) -> T:
        """``transaction()``, run again after a ``StoreBusy`` up to ``attempts`` times in all."""
        for attempt in range(1, self.attempts + 1):
            try:
                return transaction()
            except StoreBusy:
                with self._lock:
                    if attempt == self.attempts:
                        self.exhausted += 1
                        raise
                    self.retries += 1
                    delay = self._rng.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))
                self.sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

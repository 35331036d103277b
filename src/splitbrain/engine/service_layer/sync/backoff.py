"""Capped exponential backoff with full jitter (AWS architecture blog), honoring Retry-After.

``delay(attempt)`` is uniform in ``[0, min(cap, base * 2**(attempt-1))]``; when the target said
``Retry-After``, the delay is at least that. Seeded, so a run is reproducible.

>>> b = Backoff(base=0.05, cap=2.0, seed=1)
>>> 0 <= b.delay(3) <= 0.2
True
>>> b.delay(1, retry_after=1.5) >= 1.5
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    base: float = 0.05
    cap: float = 5.0
    max_attempts: int = 8
    """After this many failed attempts an effect goes to dead letters."""
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap < self.base or self.max_attempts < 1:
            raise ValueError(
                f"backoff needs 0 < base <= cap and max_attempts >= 1; got base={self.base}, "
                f"cap={self.cap}, max_attempts={self.max_attempts}"
            )
        self._rng = random.Random(self.seed)

    def delay(self, attempt: int, *, retry_after: float | None = None) -> float:
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        jittered = self._rng.uniform(0, ceiling)
        return max(jittered, retry_after or 0.0)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts

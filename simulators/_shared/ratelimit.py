"""Per-client token buckets, on the real clock or the simulated one.

A bucket holds up to ``capacity`` tokens and refills at ``per_second``; each request takes one.
An empty bucket answers with the whole seconds until a token is back (the ``Retry-After``)::

    limiter = RateLimiter({"engine": RateLimit(capacity=2, per_second=1.0)}, now=lambda: 0.0)
    limiter.take("engine"), limiter.take("engine"), limiter.take("engine")   # (0, 0, 1)
"""

from __future__ import annotations

import fnmatch
import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from simulators._shared.api_options import RateLimit

__all__ = ["RateLimiter", "TokenBucket"]


@dataclass(slots=True)
class TokenBucket:
    capacity: int
    per_second: float
    tokens: float
    updated: float

    def take(self, now: float) -> int:
        """Take a token: 0 when granted, else the whole seconds to wait (at least 1)."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.capacity), self.tokens + elapsed * self.per_second)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0
        return max(1, math.ceil((1.0 - self.tokens) / self.per_second))


class RateLimiter:
    """One bucket per client name; the first glob in ``limits`` matching the name applies."""

    def __init__(self, limits: Mapping[str, RateLimit], *, now: Callable[[], float]) -> None:
        self._limits = dict(limits)
        self._now = now
        self._buckets: dict[str, TokenBucket | None] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> int:
        """0 when ``client`` may proceed, else the ``Retry-After`` seconds."""
        if not self._limits:
            return 0
        with self._lock:
            bucket = self._bucket(client)
            return 0 if bucket is None else bucket.take(self._now())

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

    def _bucket(self, client: str) -> TokenBucket | None:
        if client not in self._buckets:
            limit = next(
                (lim for glob, lim in self._limits.items() if fnmatch.fnmatchcase(client, glob)),
                None,
            )
            self._buckets[client] = (
                None
                if limit is None
                else TokenBucket(
                    limit.capacity, limit.per_second, float(limit.capacity), self._now()
                )
            )
        return self._buckets[client]


def _full(limit: RateLimit, now: float) -> TokenBucket:
    return TokenBucket(limit.capacity, limit.per_second, float(limit.capacity), now)

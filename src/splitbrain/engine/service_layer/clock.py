"""The clock port: the engine asks a ``Clock`` for the time, never ``datetime.now()`` directly.

Handlers read ``clock.now()`` once per command and pass it into the pure domain as an argument,
so a test (or a simulation) controls SLAs and overdue escalation by moving a ``FixedClock``.

Example::

    clock = FixedClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    clock.advance(timedelta(hours=25))   # every 24 h SLA is now overdue
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to: the controllable clock for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware start (e.g. tzinfo=UTC)")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` (never backward) and return the new time."""
        if delta < timedelta(0):
            raise ValueError(f"FixedClock moves forward only; got a negative delta {delta}")
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to ``moment``, which must not be earlier than the current time."""
        if moment < self._now:
            raise ValueError("FixedClock moves forward only; the new time is earlier")
        self._now = moment

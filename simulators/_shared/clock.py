"""Time for the simulators: the wall clock, or a simulated clock tests move by hand.

One ``SimClock`` instance passed to the EHR, CRM and portal settings makes all three agree on
"now"; advancing it runs the listeners (the CRM's campaign schedule, SLA timers) in order. A
listener lives as long as whatever registered it: ``on_advance`` returns the handle that removes
it (``off_advance`` does the same by listener), so an app that stops stops listening::

    clock = SimClock(datetime(2025, 1, 6, 9, 0, tzinfo=UTC))
    stop = clock.on_advance(lambda before, after: print(before, "->", after))
    clock.advance(timedelta(hours=2))   # prints
    stop()
    clock.advance(timedelta(hours=2))   # prints nothing
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from simulators._shared.errors import ClockWentBackwards, ConfigurationError

DEFAULT_START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)

AdvanceListener = Callable[[datetime, datetime], None]
Unsubscribe = Callable[[], None]


@runtime_checkable
class Clock(Protocol):
    """Anything that can tell the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimClock:
    """A controllable clock: it only moves when told to (``set`` / ``advance``).

    Time never goes backwards: ``set`` to an earlier instant raises, because every history and
    SLA timer downstream assumes monotonic time.
    """

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        self._now = _aware(start)
        self._lock = threading.Lock()
        self._listeners: list[AdvanceListener] = []

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> datetime:
        """Jump to ``instant`` (aware, not earlier than now) and notify the listeners."""
        target = _aware(instant)
        with self._lock:
            before = self._now
            if target < before:
                raise ClockWentBackwards(
                    f"SimClock.set: target {target.isoformat()} is before now "
                    f"{before.isoformat()}; the simulated clock never goes backwards"
                )
            self._now = target
        self._notify(before, target)
        return target

    def advance(self, delta: timedelta | float) -> datetime:
        """Move forward by ``delta`` (a timedelta or seconds) and notify the listeners."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ClockWentBackwards(
                f"SimClock.advance: step {step} is negative; use a non-negative duration"
            )
        return self.set(self._now + step)

    def on_advance(self, listener: AdvanceListener) -> Unsubscribe:
        """Call ``listener(before, after)`` after every set/advance, in registration order.

        Returns the handle that removes this registration (calling it twice is harmless).
        """
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            self.off_advance(listener)

        return unsubscribe

    def off_advance(self, listener: AdvanceListener) -> bool:
        """Stop calling ``listener`` (its latest registration); False if it was not registered."""
        with self._lock:
            for index in range(len(self._listeners) - 1, -1, -1):
                if self._listeners[index] == listener:
                    del self._listeners[index]
                    return True
        return False

    def _notify(self, before: datetime, after: datetime) -> None:
        with self._lock:
            listeners = tuple(self._listeners)
        for listener in listeners:
            listener(before, after)


def follow_clock(clock: Clock, listener: AdvanceListener) -> Unsubscribe:
    """Register ``listener`` when ``clock`` is a ``SimClock`` (the wall clock never jumps);
    returns the handle that removes it (a no-op for other clocks)."""
    if isinstance(clock, SimClock):
        return clock.on_advance(listener)
    return _nothing


def _nothing() -> None:
    return None


def _aware(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ConfigurationError(
            "clock instants must be timezone-aware; pass tzinfo=UTC (naive datetimes are ambiguous)"
        )
    return instant.astimezone(UTC)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from simulators._shared import (
    ClockWentBackwards,
    ConfigurationError,
    SimClock,
    SystemClock,
    follow_clock,
)

START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def test_sim_clock_stands_still_until_advanced() -> None:
    clock = SimClock(START)

    first, second = clock.now(), clock.now()

    assert first == second == START


def test_sim_clock_advances_by_timedelta_or_seconds_and_tells_listeners() -> None:
    clock = SimClock(START)
    seen: list[tuple[datetime, datetime]] = []
    clock.on_advance(lambda before, after: seen.append((before, after)))

    clock.advance(timedelta(minutes=5))
    clock.advance(30)

    assert clock.now() == START + timedelta(minutes=5, seconds=30)
    assert seen == [
        (START, START + timedelta(minutes=5)),
        (START + timedelta(minutes=5), START + timedelta(minutes=5, seconds=30)),
    ]


def test_sim_clock_never_goes_backwards() -> None:
    clock = SimClock(START)

    with pytest.raises(ClockWentBackwards, match="never goes backwards"):
        clock.set(START - timedelta(seconds=1))
    with pytest.raises(ClockWentBackwards):
        clock.advance(-1)

    assert clock.now() == START


def test_sim_clock_rejects_naive_instants() -> None:
    with pytest.raises(ConfigurationError, match="timezone-aware"):
        SimClock(datetime(2025, 1, 1, 9, 0))


def test_sim_clock_converts_offsets_to_utc() -> None:
    clock = SimClock(datetime.fromisoformat("2025-01-06T10:00:00+01:00"))

    assert clock.now() == datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    assert clock.now().tzinfo == UTC


def test_system_clock_is_aware_utc_and_current() -> None:
    before = datetime.now(UTC)

    now = SystemClock().now()

    assert now.tzinfo == UTC
    assert before <= now <= datetime.now(UTC)


def test_the_handle_on_advance_returns_stops_the_listener() -> None:
    clock = SimClock(START)
    seen: list[datetime] = []
    stop = clock.on_advance(lambda before, after: seen.append(after))

    clock.advance(1)
    stop()
    stop()  # twice is harmless
    clock.advance(1)

    assert seen == [START + timedelta(seconds=1)]


def test_off_advance_removes_a_listener_and_says_whether_it_was_there() -> None:
    clock = SimClock(START)
    seen: list[str] = []

    def first(before: datetime, after: datetime) -> None:
        seen.append("first")

    def second(before: datetime, after: datetime) -> None:
        seen.append("second")

    clock.on_advance(first)
    clock.on_advance(second)

    removed, again = clock.off_advance(first), clock.off_advance(first)
    clock.advance(1)

    assert (removed, again) == (True, False)
    assert seen == ["second"]


def test_follow_clock_listens_to_a_sim_clock_only() -> None:
    sim, seen = SimClock(START), []
    stop = follow_clock(sim, lambda before, after: seen.append(after))
    nothing = follow_clock(SystemClock(), lambda before, after: seen.append(after))

    sim.advance(1)
    stop()
    nothing()
    sim.advance(1)

    assert seen == [START + timedelta(seconds=1)]

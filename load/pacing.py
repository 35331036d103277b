"""Fixed-rate pacing: arrivals on a schedule, independent of how long the answers take.

Locust users are a closed loop: a user waits for its answer, then for ``wait_time``. When the
system stalls, a closed loop simply sends less, and the stall never shows in the latencies
(coordinated omission). ``fixed_rate(per_second)`` keeps each user on an absolute schedule
(slot n at ``start + n / per_second``, a random phase so users do not fire together): a late
task is followed at once by the next due one, so the arrival rate holds as long as the user
is not saturated, and the schedule slip is kept (``Pacing.lag``) for the report::

    class Patient(FastHttpUser):
        wait_time = fixed_rate(0.5)      # one task every 2 s per user, whatever the latency
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PACING", "Pacing", "fixed_rate"]

_PARKED = 3600.0
"""The wait of a user while the run drains (Locust stops it long before)."""


@dataclass
class Pacing:
    """Schedule slip of every paced user of this process (seconds)."""

    late: int = 0
    slots: int = 0
    worst: float = 0.0
    total: float = 0.0
    rate_scale: float = 1.0
    """Multiplies every user's rate (set from the ``--rate-scale`` option)."""
    draining: bool = False
    """The run is ending: users finish their task and start no other."""
    _rng: random.Random = field(default_factory=lambda: random.Random(0))

    def slipped(self, seconds: float) -> None:
        self.slots += 1
        if seconds > 0.05:
            self.late += 1
            self.total += seconds
            self.worst = max(self.worst, seconds)

    def phase(self) -> float:
        return self._rng.random()

    def to_json(self) -> dict[str, Any]:
        return {"slots": self.slots, "late_slots": self.late, "worst_lag_s": self.worst,
                "late_ratio": self.late / self.slots if self.slots else 0.0}  # fmt: skip


PACING = Pacing()


def fixed_rate(
    per_second: float, *, clock: Callable[[], float] = time.monotonic, pacing: Pacing = PACING
) -> Callable[[Any], float]:
    """A Locust ``wait_time``: the seconds until this user's next scheduled slot."""
    if per_second <= 0:
        raise ValueError(f"fixed_rate({per_second}): the rate must be positive (tasks/second)")

    def wait(user: Any) -> float:
        if pacing.draining:
            return _PARKED
        interval = 1.0 / (per_second * pacing.rate_scale)
        now = clock()
        due: float | None = getattr(user, "_splitbrain_next_slot", None)
        if due is None:
            due = now + pacing.phase() * interval
        else:
            due += interval
            pacing.slipped(now - due)  # how late the next task starts (0 or less: on time)
        user._splitbrain_next_slot = due
        return max(0.0, due - now)

    return wait

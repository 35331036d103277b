"""Load shapes: how many paced users run when. Every user keeps a fixed rate
(``load.pacing``), so the arrival rate is users x rate, independent of response times.

- ``Steady``: a flat plateau (the default latency run);
- ``MorningSurge``: a quiet start, the 9 o'clock surge at three times the base, back down;
- ``StepRamp``: equal steps up, each held long enough to judge it; ``bench/bench_load.py``
  reads each step's sync p99 to find the highest rate that still meets the SLO. An optional
  warm-up at the first step's size comes first (``SPLITBRAIN_LOAD_WARMUP`` seconds), so the
  first step is not judged on a cold world (first connections, first identity look-ups).

Each shape reads its size from the environment so the same locustfile serves every run
(``SPLITBRAIN_LOAD_USERS``, ``SPLITBRAIN_LOAD_SECONDS``, ``SPLITBRAIN_LOAD_STEPS``,
``SPLITBRAIN_LOAD_STEP_SECONDS``, ``SPLITBRAIN_LOAD_WARMUP``). The locustfile exposes the one
``SPLITBRAIN_LOAD_SHAPE`` names (steady | surge | ramp); with none, ``-u``/``-r``/``-t`` drive
the run as usual.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from locust import LoadTestShape

__all__ = ["SHAPES", "MorningSurge", "Plan", "Steady", "StepRamp", "plan_from_env"]


class _Shape(LoadTestShape):
    abstract = True

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.plan = plan_from_env()

    def elapsed(self) -> float:
        return float(self.get_run_time())  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class Plan:
    users: int = 10
    seconds: float = 60.0
    steps: int = 5
    step_seconds: float = 20.0
    warmup: float = 0.0
    """Seconds at the first step's size before the ramp's first step (``StepRamp`` only)."""


def plan_from_env() -> Plan:
    env = os.environ
    return Plan(
        users=int(env.get("SPLITBRAIN_LOAD_USERS", "10")),
        seconds=float(env.get("SPLITBRAIN_LOAD_SECONDS", "60")),
        steps=int(env.get("SPLITBRAIN_LOAD_STEPS", "5")),
        step_seconds=float(env.get("SPLITBRAIN_LOAD_STEP_SECONDS", "20")),
        warmup=float(env.get("SPLITBRAIN_LOAD_WARMUP", "0")),
    )


class Steady(_Shape):
    abstract = True

    def tick(self) -> tuple[int, float] | None:
        if self.elapsed() >= self.plan.seconds:
            return None
        return self.plan.users, float(self.plan.users)


class MorningSurge(_Shape):
    """A third of the run at the base, a third at three times it, a third at the base."""

    abstract = True

    def tick(self) -> tuple[int, float] | None:
        t, total = self.elapsed(), self.plan.seconds
        if t >= total:
            return None
        base = max(1, self.plan.users // 3)
        users = base * 3 if total / 3 <= t < 2 * total / 3 else base
        return users, float(max(1, base))


class StepRamp(_Shape):
    """``steps`` steps of ``users`` users each, every step held ``step_seconds``, after
    ``warmup`` seconds at the first step's size."""

    abstract = True

    def step(self) -> int:
        return int(max(0.0, self.elapsed() - self.plan.warmup) // self.plan.step_seconds)

    def tick(self) -> tuple[int, float] | None:
        if self.elapsed() >= self.plan.warmup + self.plan.steps * self.plan.step_seconds:
            return None
        users = self.plan.users * (self.step() + 1)
        return users, float(self.plan.users)


SHAPES: dict[str, type[LoadTestShape]] = {
    "steady": Steady, "surge": MorningSurge, "ramp": StepRamp,
}  # fmt: skip

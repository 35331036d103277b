"""Every sample of one Locust process on its time axis, for step-by-step analysis.

Locust's own statistics are cumulative; the step ramp (``bench/bench_load.py``) needs each
step's figures, so a local run also writes ``timeline.json``: the sync and consent samples
(seconds since the test started, path, milliseconds, ok), the other requests counted per
second, the generator's CPU per second and, for an embedded world, its processes' CPU per
second by role (``load.usage``: world, sut, postgres).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from load.marks import CONSENT, SYNC

__all__ = ["Timeline"]


@dataclass
class Timeline:
    started: float = field(default_factory=time.monotonic)
    samples: list[tuple[float, str, str, float, bool]] = field(default_factory=list)
    per_second: Counter[int] = field(default_factory=Counter)

    def add(self, kind: str, name: str, millis: float, ok: bool) -> None:
        at = time.monotonic() - self.started
        if kind in (SYNC, CONSENT):
            self.samples.append((round(at, 3), kind, name, round(millis, 3), ok))
        else:
            self.per_second[int(at)] += 1

    def to_json(
        self, cpu: list[float], usage: list[dict[str, float]] | None = None
    ) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "requests_per_second": {str(k): v for k, v in sorted(self.per_second.items())},
            "cpu_per_second": cpu,
            "usage_per_second": usage or [],
        }

    def write(
        self, path: Path, *, cpu: list[float], usage: list[dict[str, float]] | None = None
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(self.to_json(cpu, usage)))

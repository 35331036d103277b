"""The step ramp's schedule: a warm-up at the first step's size, then equal steps up.

Locust (and its gevent patch) must stay out of the test process, so the shape is driven in a
subprocess with a stand-in clock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys
from load.shapes import StepRamp
class Ramp(StepRamp):
    now = 0.0
    def get_run_time(self):
        return self.now
ramp = Ramp()
ticks = {}
for t in [float(x) for x in sys.argv[1:]]:
    ramp.now = t
    ticks[str(t)] = ramp.tick()
print(json.dumps(ticks))
"""


def _ticks(at: list[float], **env: str) -> dict[str, list[float] | None]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *map(str, at)], cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=True, env={**_outside_load_settings(), **env},
    )  # fmt: skip
    ticks: dict[str, list[float] | None] = json.loads(done.stdout)
    return ticks


def _outside_load_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SPLITBRAIN_LOAD_")}


def test_the_ramp_warms_up_at_the_first_steps_size_then_climbs_and_stops() -> None:
    env = {"SPLITBRAIN_LOAD_USERS": "6", "SPLITBRAIN_LOAD_STEPS": "3",
           "SPLITBRAIN_LOAD_STEP_SECONDS": "10", "SPLITBRAIN_LOAD_WARMUP": "5"}  # fmt: skip

    ticks = _ticks([0, 4.9, 5, 14.9, 15, 25, 34.9, 35], **env)

    assert ticks == {
        "0.0": [6, 6.0], "4.9": [6, 6.0],  # warming up
        "5.0": [6, 6.0], "14.9": [6, 6.0],  # step 1
        "15.0": [12, 6.0], "25.0": [18, 6.0], "34.9": [18, 6.0],
        "35.0": None,
    }  # fmt: skip


def test_without_a_warm_up_the_first_step_starts_at_once() -> None:
    env = {"SPLITBRAIN_LOAD_USERS": "4", "SPLITBRAIN_LOAD_STEPS": "2",
           "SPLITBRAIN_LOAD_STEP_SECONDS": "10"}  # fmt: skip

    assert _ticks([0, 10, 20], **env) == {"0.0": [4, 4.0], "10.0": [8, 4.0], "20.0": None}

"""The load smoke: Locust as a library for a few seconds at a low rate, in a subprocess.

Locust monkey-patches its process with gevent, so it never runs (nor is imported) in the test
process: ``python -m load.smoke`` starts the world process, runs every persona, drains the sync
marks, lets the checker judge the histories and prints what it found.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def test_every_persona_runs_every_path_is_measured_and_the_checker_finds_nothing(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "load.smoke", "--seconds", "15", "--users", "11",
         "--sync-timeout", "8", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=360, check=False,
    )  # fmt: skip

    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, done.stderr[-3000:]
    found = json.loads(lines[-1])
    assert found["personas_missing"] == [], found
    assert found["paths_missing"] == [], found
    assert found["quiesced"], f"the world and engine never settled after the run: {found}"
    assert found["checker_ok"] and found["anomalies"] == [], found
    assert found["operations"] > 100
    assert done.returncode == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["sync"]["portal→crm"]["p99"] is not None
    assert (tmp_path / "summary.md").read_text().startswith("# Load run")

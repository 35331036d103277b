"""The example project (docs/examples/team-engine) runs as a team would run it: pytest in its
own directory, our plugin found through its entry point, its features on our step library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PROJECT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "team-engine"


def _pytest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *args], cwd=PROJECT, capture_output=True,
        text=True, timeout=900, check=False,
    )  # fmt: skip


def test_the_example_project_passes_against_the_reference_engine() -> None:
    done = _pytest()

    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


def test_an_unknown_sut_fails_the_example_naming_the_option() -> None:
    done = _pytest("--splitbrain-sut", "our-engine", "tests/test_round_trip.py")

    assert done.returncode == 1
    assert "--sut 'our-engine' is not an adapter" in done.stdout

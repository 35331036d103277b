"""The pytest plugin is found through its entry point and stays inert until it is used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = """
import sys

def test_the_harness_was_not_imported():
    assert "splitbrain.harness.live" not in sys.modules
    assert "splitbrain.harness.steps" not in sys.modules
"""


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_probe.py").write_text(PROBE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_run_that_does_not_use_the_plugin_imports_nothing_of_the_harness(
    tmp_path: Path,
) -> None:
    done = _pytest(tmp_path)

    assert done.returncode == 0, done.stdout + done.stderr


def test_the_plugin_is_registered_with_its_options(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "--help")

    assert "--splitbrain-sut=SPEC" in done.stdout
    assert "--splitbrain-matrix=FILE" in done.stdout


def test_the_plugin_can_be_switched_off_with_p_no_splitbrain(tmp_path: Path) -> None:
    done = _pytest(tmp_path, "-p", "no:splitbrain", "--help")

    assert "--splitbrain-sut" not in done.stdout

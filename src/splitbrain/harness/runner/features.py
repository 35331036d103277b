"""Gherkin features against the SUT: pytest + pytest-bdd in a subprocess, with our plugin.

The runner writes a one-line test module binding the given feature files (``scenarios(...)``)
and a ``pytest.ini`` into ``OUT/features/``, and runs::

    python -m pytest OUT/features --splitbrain-sut SPEC --splitbrain-matrix F \\
        --splitbrain-out OUT/features/record

The plugin loads the world-level step library (``splitbrain.harness.steps``), gives every
scenario a fresh world with the SUT between its systems, and records each scenario's outcome,
histories and verdict (``results.jsonl``), which is what this module returns.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from splitbrain.harness.runner.errors import FeatureRunError
from splitbrain.harness.runner.results import RunResult
from splitbrain.pytest_plugin.recorder import RESULTS

__all__ = ["run_features"]

SUITE = "features"
_INI = """[pytest]
addopts = -p no:cacheprovider -p no:locust -q
bdd_features_base_dir = /
"""
_MODULE = '''"""Written by `splitbrain run`: bind the features of this run to the step library."""

from pytest_bdd import scenarios

FEATURES = {features!r}

scenarios(*FEATURES)
'''


def run_features(
    features: Sequence[Path], *, sut: str, matrix: Path, out: Path, timeout: float = 3600.0
) -> list[RunResult]:
    where = out / "features"
    record = where / "record"
    where.mkdir(parents=True, exist_ok=True)
    (record / RESULTS).unlink(missing_ok=True)
    (where / "pytest.ini").write_text(_INI, encoding="utf-8")
    module = where / "test_splitbrain_features.py"
    module.write_text(_MODULE.format(features=[str(f) for f in features]), encoding="utf-8")
    argv = [sys.executable, "-m", "pytest", str(module), "-c", str(where / "pytest.ini"),
            "--rootdir", str(where), "--splitbrain-sut", sut, "--splitbrain-matrix", str(matrix),
            "--splitbrain-out", str(record)]  # fmt: skip
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(argv, cwd=where, capture_output=True, text=True, timeout=timeout,
                          env=env, check=False)  # fmt: skip
    (where / "pytest.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode not in (0, 1) or not (record / RESULTS).exists():
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        raise FeatureRunError(
            f"pytest could not run the features (exit {done.returncode}); its output "
            f"({where / 'pytest.log'}) ends with:\n{tail}"
        )
    return [_result(orjson.loads(line), record) for line in
            (record / RESULTS).read_bytes().splitlines() if line.strip()]  # fmt: skip


def _result(line: dict[str, Any], record: Path) -> RunResult:
    outcome = line.get("outcome")
    if outcome not in ("passed", "failed", "error", "skipped"):
        raise FeatureRunError(f"{record / RESULTS}: unknown outcome {outcome!r}")
    verdict, histories = line.get("verdict"), line.get("histories")
    return RunResult(
        SUITE, str(line["name"]), outcome, str(line.get("message") or ""),
        verdict if isinstance(verdict, dict) else None, bool(line.get("judged")),
        str(record / histories) if isinstance(histories, str) else None,
        float(line.get("seconds") or 0.0),
    )  # fmt: skip

"""``splitbrain run``: features and catalog cases against a SUT, judged by the checker.

::

    results = run_all([Path("features/workflows"), Path("scenarios/conflicts")],
                      sut="command:python -m my_engine", matrix=matrix, out=Path("out/run"))
    # out/run/junit.xml, out/run/report.html, out/run/histories/..., out/run/features/...
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from splitbrain.harness.runner.cases import run_case
from splitbrain.harness.runner.errors import FeatureRunError, InputError, RunnerError
from splitbrain.harness.runner.features import run_features
from splitbrain.harness.runner.inputs import RunInputs, collect
from splitbrain.harness.runner.outputs import metric_lines, write_junit, write_report
from splitbrain.harness.runner.results import RunResult
from splitbrain.harness.sut import parse_sut

__all__ = [
    "FeatureRunError",
    "InputError",
    "RunInputs",
    "RunResult",
    "RunnerError",
    "collect",
    "metric_lines",
    "run_all",
]


def run_all(paths: Sequence[Path], *, sut: str, matrix: Path, out: Path) -> list[RunResult]:
    """Run everything under ``paths``; write ``out/junit.xml`` and ``out/report.html``."""
    parse_sut(sut)  # a bad spec fails here, before anything starts
    inputs = collect(paths)
    out.mkdir(parents=True, exist_ok=True)
    results: list[RunResult] = []
    if inputs.features:
        results += run_features(inputs.features, sut=sut, matrix=matrix, out=out)
    for case in inputs.cases:
        results.append(run_case(case, sut=lambda: parse_sut(sut), matrix=matrix, out=out))
    write_junit(results, out / "junit.xml")
    write_report(results, out / "report.html", sut=sut, matrix=str(matrix))
    return results

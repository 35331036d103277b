"""``splitbrain run``: run features and conflict catalog cases against a sync engine, judge them.

    splitbrain run features/workflows scenarios/conflicts --sut reference
    splitbrain run my.feature --sut 'command:python -m my_engine' --out out/run

Each scenario and case gets a fresh world on loopback ports with the SUT between its systems
(docs/sut-contract.md); the checker judges every run's histories. Writes OUT/junit.xml and
OUT/report.html (each failure with its anomalies and witnesses, and the weekly metrics).

Exit codes: 0 all passed with no anomaly, 1 a failure or an anomaly, 2 bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from splitbrain.harness.runner import RunnerError, RunResult, metric_lines, run_all
from splitbrain.harness.sut import SPECS, SutError
from splitbrain.matrix import MatrixError

__all__ = ["run_command"]


def run_command(
    paths: Annotated[
        list[Path], typer.Argument(help=".feature files, conflict case .yaml files, or folders.")
    ],
    *,
    sut: Annotated[
        str, typer.Option("--sut", help=f"The system under test: {', '.join(SPECS)}.")
    ] = "reference",
    matrix: Annotated[Path | None, typer.Option("--matrix", help="Ownership matrix YAML.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where junit.xml and report.html go.")] = Path(
        "out/run"
    ),
) -> None:
    """Run features and catalog cases against the SUT; exit 1 on any failure or anomaly."""
    err = Console(stderr=True, highlight=False)
    from splitbrain.harness.paths import default_matrix

    the_matrix = (matrix or default_matrix()).resolve()
    if not the_matrix.is_file():
        err.print(f"[red]error:[/] --matrix {the_matrix}: no such file; pass an ownership matrix")
        raise typer.Exit(2)
    try:
        results = run_all(paths, sut=sut, matrix=the_matrix, out=out)
    except (RunnerError, SutError, MatrixError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    _summary(results, out, sut)
    raise typer.Exit(0 if all(r.status != "failed" for r in results) else 1)


def _summary(results: list[RunResult], out: Path, sut: str) -> None:
    console = Console(highlight=False)
    table = Table(title=f"splitbrain run against {sut}", title_justify="left")
    for column in ("result", "suite", "scenario / case", "anomalies"):
        table.add_column(column)
    style = {"passed": "green", "failed": "red", "skipped": "yellow"}
    for result in results:
        codes = sorted({str(a["code"]) for a in result.anomalies})
        found = ", ".join(codes) + (" (expected)" if codes and result.judged else "")
        table.add_row(f"[{style[result.status]}]{result.status}[/]", result.suite, result.name,
                      found)  # fmt: skip
    console.print(table)
    for line in metric_lines(results):
        console.print(f"  {line.name}: [b]{line.value}[/]")
    failed = sum(r.status == "failed" for r in results)
    verdict = "[green]all passed[/]" if not failed else f"[red]{failed} failed[/]"
    console.print(f"{verdict}; {out / 'junit.xml'}, {out / 'report.html'}")

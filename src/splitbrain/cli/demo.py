"""``splitbrain demo``: the governance demo on the embedded default (SQLite).

Lint the matrix, run every conflict case through the reference engine, verify the audit chain,
then (unless ``--no-day``) run a simulated telehealth day through the world served on loopback
ports and the engine service (``harness.day``), and write OUT/report.html (with the day's weekly
metrics) and OUT/junit.xml. Exit 1 when a case fails, the matrix has lint errors or the checker
finds an anomaly in the day, 2 when a file cannot be loaded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from splitbrain.engine.adapters.matrix_policy import compile_policy
from splitbrain.engine.bootstrap import bootstrap
from splitbrain.engine.service_layer.clock import FixedClock
from splitbrain.harness.catalog import load_catalog
from splitbrain.harness.day import DayReport, run_day
from splitbrain.harness.governance import CaseResult, run_cases
from splitbrain.harness.junit import write_junit
from splitbrain.harness.metrics_view import metric_lines
from splitbrain.harness.paths import default_cases, default_matrix
from splitbrain.harness.report import ReportInputs, write_report
from splitbrain.matrix import MatrixError, lint, load_matrix, render_html

app = typer.Typer(help="Run the governance demo: the conflict catalog through the engine.")

DEMO_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
"""The demo's simulated start: fixed so every run prints and writes the same thing."""
OVERDUE_SWEEP_AFTER = timedelta(days=2)


def demo(
    matrix: Annotated[Path | None, typer.Option(help="Ownership matrix YAML.")] = None,
    cases: Annotated[Path | None, typer.Option(help="Directory of conflict cases.")] = None,
    out: Annotated[Path, typer.Option(help="Where the store and reports go.")] = Path("out/demo"),
    day: Annotated[
        bool, typer.Option(help="Then run a simulated day through the served world.")
    ] = True,
    people: Annotated[int, typer.Option(help="People in the simulated day.")] = 40,
) -> None:
    """Lint the matrix, run every conflict case, verify the audit chain, write the reports."""
    console = Console(highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 210)  # logs and CI keep the table on one line a case
    matrix_path, cases_dir = matrix or default_matrix(), cases or default_cases()
    try:
        loaded = load_matrix(matrix_path)
        catalog = load_catalog(cases_dir)
    except (MatrixError, ValueError, OSError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    findings = lint(loaded)
    errors = [f for f in findings if f.is_error]
    console.print(
        f"Matrix [bold]{loaded.name} v{loaded.version}[/] ({matrix_path}): "
        f"{len(errors)} lint errors, {len(findings) - len(errors)} warnings"
    )
    for finding in findings:
        console.print(f"  {finding}")
    policy = compile_policy(loaded)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "engine.sqlite"
    _remove_store(db)
    clock = FixedClock(DEMO_START)
    with bootstrap(store=f"sqlite:{db}", policy=policy, clock=clock) as engine:
        results = run_cases(engine, policy, catalog, clock)
        clock.advance(OVERDUE_SWEEP_AFTER)  # a quiet weekend: open conflicts miss their SLA
        overdue = engine.escalate_overdue()
        verdict = engine.verify_audit()
        metrics = engine.metrics()
        entries = len(engine.audit_entries())
    console.print(_table(results))
    lines = metric_lines(metrics)
    day_report = None
    if day:
        console.print(f"\nA simulated day: {people} people through the served world...")
        day_report = run_day(out / "day.sqlite", matrix=matrix_path, people=people)
        console.print(_day_table(day_report))
        lines = [*lines, *day_report.lines()]
    audit_summary = (
        f"intact, {entries} entries" if verdict.ok else f"BROKEN at seq {verdict.first_bad_seq}"
    )
    write_report(
        ReportInputs(
            matrix_label=f"{loaded.name} v{loaded.version}",
            matrix_html=render_html(loaded, standalone=False),
            store=str(db),
            results=results,
            metrics=lines,
            lint_findings=findings,
            lint_errors=len(errors),
            lint_warnings=len(findings) - len(errors),
            audit_ok=verdict.ok,
            audit_summary=audit_summary,
        ),
        out / "report.html",
    )
    write_junit(results, out / "junit.xml")
    failed = sum(1 for r in results if not r.passed)
    console.print(
        f"\n{len(results) - failed}/{len(results)} cases passed · audit chain {audit_summary} · "
        f"{metrics.share_rejected_by_owner_policy:.0%} of writes rejected by owner policy · "
        f"{metrics.open_conflicts} open conflicts ({len(overdue)} escalated past their SLA)"
    )
    console.print(f"Report: {out / 'report.html'}   JUnit: {out / 'junit.xml'}")
    if failed or errors or not verdict.ok or (day_report is not None and day_report.anomalies):
        raise typer.Exit(1)


def _day_table(report: DayReport) -> Table:
    table = Table(title="The simulated day: weekly metrics", show_lines=False)
    table.add_column("Metric", no_wrap=True)
    table.add_column("Value")
    for line in report.lines():
        table.add_row(line.name, line.value)
    return table


def _table(results: list[CaseResult]) -> Table:
    table = Table(title="Conflict catalog", show_lines=False)
    table.add_column("Case", no_wrap=True)
    table.add_column("Title", max_width=40, overflow="ellipsis", no_wrap=True)
    for column in ("Expected", "Got", "Rule", "Escalation owner", "Result"):
        table.add_column(column, overflow="fold")
    for r in results:
        table.add_row(
            r.case.id,
            r.case.title,
            r.expected_summary,
            r.got_summary,
            r.rules,
            r.escalation_owners,
            "[green]pass[/]" if r.passed else "[red]FAIL[/]",
        )
    return table


def _remove_store(db: Path) -> None:
    """A demo run starts from an empty store, its checkpoints and WAL files included."""
    for suffix in ("", "-wal", "-shm", ".checkpoints.jsonl"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)

"""The verdict for people (rich text) and for machines (JSON).

The text opens with a summary (files, operations, anomalies per code, what could not be
judged, revocation latency) and then lists each anomaly: its code, person token and field, the
plain-words explanation, and the witnesses as ``file#index``::

    console = Console()
    print_report(verdict, console)
    Path("verdict.json").write_text(render_json(verdict))
"""

from __future__ import annotations

import io
import json

from rich.console import Console
from rich.table import Table
from rich.text import Text

from splitbrain.harness.checker.model import Anomaly
from splitbrain.harness.checker.timing import RevocationLatency
from splitbrain.harness.checker.verdict import Verdict

__all__ = ["print_report", "render_json", "render_text"]


def render_json(verdict: Verdict) -> str:
    return json.dumps(verdict.to_json(), indent=2, ensure_ascii=False) + "\n"


def render_text(verdict: Verdict, width: int = 100) -> str:
    """The report as plain text (no colour codes)."""
    buffer = io.StringIO()
    print_report(verdict, Console(file=buffer, width=width, no_color=True, highlight=False))
    return buffer.getvalue()


def print_report(verdict: Verdict, console: Console) -> None:
    _summary(verdict, console)
    for number, anomaly in enumerate(verdict.anomalies, start=1):
        _anomaly(number, anomaly, console)


def _summary(verdict: Verdict, console: Console) -> None:
    found = len(verdict.anomalies)
    headline = Text(
        f"splitbrain check: {len(verdict.files)} file(s), {verdict.operations:,} operations "
        f"({verdict.records:,} records), matrix {verdict.matrix}, {verdict.seconds:.2f} s: "
    )
    headline.append(
        "clean" if found == 0 else f"{found} anomal{'y' if found == 1 else 'ies'}",
        style="bold green" if found == 0 else "bold red",
    )
    console.print(headline)
    if found:
        table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
        table.add_column("code")
        table.add_column("count", justify="right")
        for code, count in verdict.counts().items():
            table.add_row(code.value, str(count))
        console.print(table)
    for code, why in verdict.skipped.items():
        console.print(f"not judged: {code.value} ({why})", style="yellow")
    console.print(_latency(verdict.revocation))


def _latency(latency: RevocationLatency) -> str:
    if latency.revokes == 0:
        return "revocation latency: no acknowledged revoke with a consumer to honor it"
    if latency.honored == 0:
        quantiles = "none honored"
    else:
        quantiles = (
            f"p50 {_s(latency.p50)}, p95 {_s(latency.p95)}, p99 {_s(latency.p99)}, "
            f"max {_s(latency.max)}"
        )
    return (
        f"revocation latency (acknowledged -> honored everywhere): {latency.revokes} revokes, "
        f"{latency.honored} honored ({quantiles}), {latency.never} never, "
        f"{latency.superseded} superseded by a new grant"
    )


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.3f} s"


def _anomaly(number: int, anomaly: Anomaly, console: Console) -> None:
    console.print()
    head = Text(f"{number}. ")
    head.append(anomaly.code.value, style="bold red")
    details = [f"person {anomaly.person or '-'}", f"field {anomaly.field or '-'}"]
    if anomaly.system:
        details.append(f"system {anomaly.system}")
    head.append(" — " + ", ".join(details))
    console.print(head)
    console.print(Text(anomaly.explanation), soft_wrap=False, overflow="fold")
    witnesses = ", ".join(str(w) for w in anomaly.witnesses) or "-"
    console.print(Text(f"witnesses: {witnesses}", style="dim"))

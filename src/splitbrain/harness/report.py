"""The HTML report: metrics, each conflict case with its decision trail, the rendered matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from splitbrain.harness.governance import CaseResult


@dataclass(frozen=True, slots=True)
class MetricLine:
    name: str
    value: str
    meaning: str


@dataclass(frozen=True, slots=True)
class ReportInputs:
    matrix_label: str
    matrix_html: str
    """An HTML fragment (trusted: produced by ``splitbrain.matrix.render``)."""
    store: str
    results: Sequence[CaseResult]
    metrics: Sequence[MetricLine]
    lint_findings: Sequence[object]
    lint_errors: int
    lint_warnings: int
    audit_ok: bool
    audit_summary: str


_ENV = Environment(
    loader=PackageLoader("splitbrain.harness", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_report(inputs: ReportInputs) -> str:
    template = _ENV.get_template("report.html.j2")
    return template.render(
        matrix_label=inputs.matrix_label,
        matrix_html=Markup(inputs.matrix_html),  # trusted: our own renderer escapes
        store=inputs.store,
        results=inputs.results,
        failed=sum(1 for r in inputs.results if not r.passed),
        metrics=inputs.metrics,
        lint_findings=inputs.lint_findings,
        lint_errors=inputs.lint_errors,
        lint_warnings=inputs.lint_warnings,
        audit_ok=inputs.audit_ok,
        audit_summary=inputs.audit_summary,
    )


def write_report(inputs: ReportInputs, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(inputs), encoding="utf-8")

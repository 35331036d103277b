"""``splitbrain matrix lint|render``: check the ownership matrix, and show it to people.

Exit codes of ``lint``: 0 clean (warnings allowed), 1 at least one error-level finding,
2 the file could not be loaded (the message names the file, YAML path, line, found, expected).

Example::

    splitbrain matrix lint scenarios/matrices/telehealth.yaml --format json
    splitbrain matrix render scenarios/matrices/telehealth.yaml --format html --out matrix.html
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from splitbrain.cli.matrix_paths import PathsLint, lint_paths_file, paths_file
from splitbrain.matrix import (
    Finding,
    Matrix,
    MatrixLoadError,
    MatrixSchemaError,
    MatrixSyntaxError,
    lint,
    load_matrix,
    render_html,
    render_markdown,
)

app = typer.Typer(
    help="The ownership matrix: lint it, render it.",
    no_args_is_help=True,
    add_completion=False,
)

EXIT_FINDINGS = 1
EXIT_UNLOADABLE = 2


class LintFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class RenderFormat(StrEnum):
    MD = "md"
    HTML = "html"


MatrixFile = Annotated[Path, typer.Argument(help="The matrix YAML file.", show_default=False)]


@app.command("lint")
def lint_command(
    file: MatrixFile,
    fmt: Annotated[
        LintFormat, typer.Option("--format", help="text for people, json for tools.")
    ] = LintFormat.TEXT,
    paths: Annotated[
        Path | None,
        typer.Option(
            "--paths",
            help="Disclosure paths file to lint with the matrix (default: <matrix stem>"
            ".paths.yaml beside FILE, when present).",
        ),
    ] = None,
) -> None:
    """Check a matrix; every finding has a code, the field, the line and the fix."""
    matrix = _load(file, as_json=fmt is LintFormat.JSON)
    findings = lint(matrix)
    checked = _load_paths(file, paths, matrix, as_json=fmt is LintFormat.JSON)
    if fmt is LintFormat.JSON:
        report = _lint_json(file, matrix, findings)
        if checked is not None:
            report["paths"] = checked.as_json()
        typer.echo(json.dumps(report, indent=2))
    else:
        typer.echo(_lint_text(file, matrix, findings))
        if checked is not None:
            typer.echo(checked.as_text())
    if any(finding.is_error for finding in findings) or (checked is not None and checked.errors):
        raise typer.Exit(EXIT_FINDINGS)


@app.command("render")
def render_command(
    file: MatrixFile,
    fmt: Annotated[
        RenderFormat, typer.Option("--format", help="md (Markdown) or html (a standalone page).")
    ] = RenderFormat.MD,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Write the operator-facing table and each row in plain words."""
    matrix = _load(file, as_json=False)
    text = render_html(matrix) if fmt is RenderFormat.HTML else render_markdown(matrix)
    errors = sum(finding.is_error for finding in lint(matrix))
    if errors:
        typer.echo(
            f"note: {matrix.label} has {errors} lint error(s); run: splitbrain matrix lint {file}",
            err=True,
        )
    if out is None:
        typer.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}")


def _load(file: Path, *, as_json: bool) -> Matrix:
    try:
        return load_matrix(file)
    except MatrixLoadError as exc:
        if as_json:
            typer.echo(json.dumps(_load_error_json(exc), indent=2))
        else:
            typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_UNLOADABLE) from exc


def _load_paths(
    file: Path, option: Path | None, matrix: Matrix, *, as_json: bool
) -> PathsLint | None:
    target = paths_file(file, option)
    if target is None:
        return None
    try:
        return lint_paths_file(target, matrix)
    except MatrixLoadError as exc:
        if as_json:
            typer.echo(json.dumps(_load_error_json(exc), indent=2))
        else:
            typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_UNLOADABLE) from exc


def _lint_text(file: Path, matrix: Matrix, findings: list[Finding]) -> str:
    if not findings:
        return f"{file}: {matrix.label} is lint-clean ({len(matrix.fields)} fields)"
    lines = []
    for finding in findings:
        where = f"{file}:{finding.line}" if finding.line is not None else str(file)
        lines.append(
            f"{where}: {finding.code} {finding.severity.value} [{finding.where}] {finding.message}"
        )
        lines.append(f"    fix: {finding.fix}")
    errors = sum(finding.is_error for finding in findings)
    warnings = len(findings) - errors
    lines.append(f"{matrix.label}: {errors} error(s), {warnings} warning(s)")
    return "\n".join(lines)


def _lint_json(file: Path, matrix: Matrix, findings: list[Finding]) -> dict[str, object]:
    errors = sum(finding.is_error for finding in findings)
    return {
        "file": str(file),
        "matrix": matrix.name,
        "version": matrix.version,
        "findings": [finding.as_dict() for finding in findings],
        "summary": {"errors": errors, "warnings": len(findings) - errors},
    }


def _load_error_json(exc: MatrixLoadError) -> dict[str, object]:
    problems: list[dict[str, object]] = []
    if isinstance(exc, MatrixSchemaError):
        problems = [
            {"path": p.path, "line": p.line, "found": p.found, "expected": p.expected}
            for p in exc.problems
        ]
    elif isinstance(exc, MatrixSyntaxError):
        problems = [{"path": None, "line": exc.line, "found": exc.found, "expected": exc.expected}]
    return {"file": exc.file, "load_error": str(exc), "problems": problems}

"""The operator-facing matrix: a Markdown document or a standalone HTML page.

Both hold the same three parts: the table (Field | Owner system | Allowed secondary writer |
Sync direction | Conflict rule | Escalation owner), each row explained in plain words, and the
stages and value mappings. Every text that comes from the matrix is escaped.

Example::

    Path("matrix.html").write_text(render_html(load_matrix("scenarios/matrices/telehealth.yaml")))
"""

from __future__ import annotations

from html import escape

from splitbrain.matrix.labels import SYNC_LABEL, field_label, system_label
from splitbrain.matrix.model import EnumTable, Matrix
from splitbrain.matrix.wording import (
    escalation_cell,
    explain,
    owner_cell,
    rule_cell,
    secondary_cell,
)

COLUMNS = (
    "Field",
    "Owner system",
    "Allowed secondary writer",
    "Sync direction",
    "Conflict rule",
    "Escalation owner",
)

_CSS = """
body { font: 15px/1.5 system-ui, sans-serif; color: #1d2430; margin: 2rem auto; max-width: 72rem;
  padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
.meta { color: #5b6475; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0 2rem; }
th, td { border: 1px solid #d5dae3; padding: 0.45rem 0.6rem; text-align: left;
  vertical-align: top; }
th { background: #eef1f6; }
tbody tr:nth-child(even) { background: #f8f9fb; }
code { font-size: 0.9em; color: #5b6475; }
section.row { border-left: 3px solid #4b6bfb; padding: 0.1rem 0 0.1rem 1rem; margin: 1rem 0; }
section.row h3 { margin: 0 0 0.3rem; font-size: 1.05rem; }
"""


def row_cells(matrix: Matrix, name: str) -> tuple[str, ...]:
    """The six plain-text cells of one row, in ``COLUMNS`` order (the field cell is its label)."""
    field = matrix.fields[name]
    return (
        field_label(matrix, name),
        owner_cell(matrix, field),
        secondary_cell(matrix, field),
        SYNC_LABEL[field.sync],
        rule_cell(field),
        escalation_cell(matrix, field),
    )


def render_markdown(matrix: Matrix) -> str:
    """The matrix as a Markdown document."""
    lines = [f"# Ownership matrix: {_md(matrix.label)}", ""]
    if matrix.description:
        lines += [_md(matrix.description), ""]
    lines += [_md_row(COLUMNS), _md_row(("---",) * len(COLUMNS))]
    for name in matrix.fields:
        label, *rest = row_cells(matrix, name)
        lines.append(_md_row((f"{_md(label)} (`{name}`)", *(_md(cell) for cell in rest))))
    lines += ["", "## Each row in plain words", ""]
    for name in matrix.fields:
        lines += [
            f"### {_md(field_label(matrix, name))} (`{name}`)",
            "",
            _md(explain(matrix, name)),
            "",
        ]
    lines += ["## Stages", "", _md(" → ".join(matrix.stages)), ""]
    for table_name, table in matrix.enums.items():
        lines += [f"## Value mapping `{table_name}`", ""]
        if table.description:
            lines += [_md(table.description), ""]
        header, rows = _mapping_rows(matrix, table)
        lines += [_md_row(header), _md_row(("---",) * len(header))]
        lines += [_md_row(tuple(_md(cell) for cell in row)) for row in rows]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_html(matrix: Matrix, *, standalone: bool = True) -> str:
    """The matrix as an HTML page (``standalone``) or a fragment to embed in a report."""
    parts = [f"<h1>Ownership matrix: {escape(matrix.label)}</h1>"]
    if matrix.description:
        parts.append(f'<p class="meta">{escape(matrix.description)}</p>')
    parts.append(_html_table(COLUMNS, [_html_main_row(matrix, name) for name in matrix.fields]))
    parts.append("<h2>Each row in plain words</h2>")
    for name in matrix.fields:
        parts.append(
            f'<section class="row" id="{escape(name)}"><h3>{escape(field_label(matrix, name))} '
            f"<code>{escape(name)}</code></h3><p>{escape(explain(matrix, name))}</p></section>"
        )
    parts.append(f"<h2>Stages</h2><p>{escape(' → '.join(matrix.stages))}</p>")
    for table_name, table in matrix.enums.items():
        header, rows = _mapping_rows(matrix, table)
        parts.append(f"<h2>Value mapping <code>{escape(table_name)}</code></h2>")
        if table.description:
            parts.append(f"<p>{escape(table.description)}</p>")
        parts.append(_html_table(header, [[escape(cell) for cell in row] for row in rows]))
    body = "\n".join(parts)
    if not standalone:
        return f'<div class="splitbrain-matrix">\n{body}\n</div>\n'
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8" />\n'
        f"<title>Ownership matrix: {escape(matrix.label)}</title>\n<style>{_CSS}</style>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _mapping_rows(
    matrix: Matrix, table: EnumTable
) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """``Canonical | CRM | EHR`` with each system's local value(s) for each canonical value."""
    systems = list(table.systems)
    header = ("Canonical", *(system_label(matrix, system) for system in systems))
    rows = []
    for canonical in table.canonical:
        cells = [
            ", ".join(local for local, mapped in table.systems[s].items() if mapped == canonical)
            or "(none)"
            for s in systems
        ]
        rows.append((canonical, *cells))
    return header, rows


def _html_main_row(matrix: Matrix, name: str) -> list[str]:
    label, *rest = row_cells(matrix, name)
    field = f'<a href="#{escape(name)}">{escape(label)}</a> <code>{escape(name)}</code>'
    return [field, *(escape(cell) for cell in rest)]


def _html_table(header: tuple[str, ...], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "\n".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def _md_row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(cells) + " |"


def _md(text: str) -> str:
    """One line of Markdown-safe text: pipes, HTML brackets and newlines neutralized."""
    flat = " ".join(text.split())
    return flat.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")

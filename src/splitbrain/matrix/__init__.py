"""The ownership matrix: the one document ops, clinical and engineering share (DESIGN §3).

Load it from YAML, lint it, render it for people::

    from splitbrain.matrix import lint, load_matrix, render_markdown

    matrix = load_matrix("scenarios/matrices/telehealth.yaml")
    errors = [finding for finding in lint(matrix) if finding.is_error]
    print(render_markdown(matrix))

This package depends on nothing else of splitbrain; the engine compiles a matrix into its own
``Policy`` (``splitbrain.engine.adapters.matrix_policy``).
"""

from __future__ import annotations

from splitbrain.matrix.errors import (
    MatrixError,
    MatrixFileError,
    MatrixLintError,
    MatrixLoadError,
    MatrixSchemaError,
    MatrixSyntaxError,
    Problem,
)
from splitbrain.matrix.findings import CODES, Code, Finding, Severity
from splitbrain.matrix.lint import lint, require_clean
from splitbrain.matrix.loader import load_matrix, parse_matrix
from splitbrain.matrix.model import (
    EnumTable,
    FieldSpec,
    Matrix,
    OwnerSpan,
    RoleSpec,
    SecondaryWriterSpec,
    SystemSpec,
)
from splitbrain.matrix.render import COLUMNS, render_html, render_markdown
from splitbrain.matrix.source import load_yaml_model
from splitbrain.matrix.stages import owner_at, owners_by_stage, span_stages
from splitbrain.matrix.vocabulary import ConflictRule, DisclosureClass, SyncDirection, ValueKind
from splitbrain.matrix.wording import explain

__all__ = [
    "CODES",
    "COLUMNS",
    "Code",
    "ConflictRule",
    "DisclosureClass",
    "EnumTable",
    "FieldSpec",
    "Finding",
    "Matrix",
    "MatrixError",
    "MatrixFileError",
    "MatrixLintError",
    "MatrixLoadError",
    "MatrixSchemaError",
    "MatrixSyntaxError",
    "OwnerSpan",
    "Problem",
    "RoleSpec",
    "SecondaryWriterSpec",
    "Severity",
    "SyncDirection",
    "SystemSpec",
    "ValueKind",
    "explain",
    "lint",
    "load_matrix",
    "load_yaml_model",
    "owner_at",
    "owners_by_stage",
    "parse_matrix",
    "render_html",
    "render_markdown",
    "require_clean",
    "span_stages",
]

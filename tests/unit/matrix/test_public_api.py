"""The package's public surface is deliberate, and the package depends on nothing of ours."""

from __future__ import annotations

import subprocess
import sys

import splitbrain.matrix

EXPECTED = {
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
}


def test_public_names_are_exactly_the_deliberate_ones() -> None:
    assert set(splitbrain.matrix.__all__) == EXPECTED
    assert all(hasattr(splitbrain.matrix, name) for name in EXPECTED)


def test_every_error_is_a_matrix_error() -> None:
    errors = [
        getattr(splitbrain.matrix, n)
        for n in EXPECTED
        if n.startswith("Matrix") and n.endswith("Error")
    ]

    assert all(issubclass(error, splitbrain.matrix.MatrixError) for error in errors)
    assert issubclass(splitbrain.matrix.MatrixSchemaError, splitbrain.matrix.MatrixLoadError)


def test_importing_the_matrix_loads_nothing_else_of_splitbrain() -> None:
    probe = (
        "import sys, splitbrain.matrix; "
        "print(sorted(m for m in sys.modules if m.startswith('splitbrain.') "
        "and not m.startswith('splitbrain.matrix')))"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"

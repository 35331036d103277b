"""Load an ownership matrix from YAML, with errors that point at the line.

Errors name the file, the YAML path, the line, what was found and what was expected::

    scenarios/matrices/telehealth.yaml:88: fields.medication_plan.owner[1].from_stage:
    found 3 (a number); expected text; quote it if YAML reads it as a number, a date or ...

The loaded matrix remembers where each path was written (``matrix.source``), so lint findings
carry line numbers too.

Example::

    matrix = load_matrix("scenarios/matrices/telehealth.yaml")
    matrix.version                                      # -> "3"
    matrix.source.line_of(("fields", "legal_name"))     # -> 112
"""

from __future__ import annotations

from os import PathLike

from splitbrain.matrix.model import Matrix
from splitbrain.matrix.source import parse_yaml_model, read_text

_DOCUMENT = "a mapping with name, version, systems, roles, stages and fields"


def load_matrix(path: str | PathLike[str]) -> Matrix:
    """Read, parse and validate the matrix at ``path``; raise a ``MatrixLoadError`` if broken."""
    return parse_matrix(read_text(path), file=str(path))


def parse_matrix(text: str, *, file: str = "<matrix>") -> Matrix:
    """Parse and validate matrix YAML ``text``; ``file`` names it in error messages."""
    matrix, source = parse_yaml_model(text, Matrix, file=file, document=_DOCUMENT)
    return matrix.with_source(source)

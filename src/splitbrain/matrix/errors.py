"""Everything ``splitbrain.matrix`` raises.

    MatrixError                 base: the ownership matrix cannot be used
     ├── MatrixLoadError        the file could not become a Matrix, or any model loaded with
     │                          ``source.load_yaml_model`` (names the file)
     │    ├── MatrixFileError   missing, unreadable or not UTF-8
     │    ├── MatrixSyntaxError not YAML, or a YAML the matrix forbids (duplicate keys, several
     │    │                     documents); names the line, what was found and what was expected
     │    └── MatrixSchemaError YAML of the wrong shape; one Problem per offending YAML path
     └── MatrixLintError        it loads, but the linter found error-level findings, so it must
                                not be compiled into a policy

A broken matrix is broken input: it raises. Lint *findings* are values (``lint()`` returns them);
only a caller that needs a usable matrix turns error findings into ``MatrixLintError``.
Messages carry file names, YAML paths, keys and matrix values (never patient data: a matrix
holds none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from splitbrain.matrix.findings import Finding


class MatrixError(Exception):
    """Base of every matrix error."""


class MatrixLoadError(MatrixError):
    """The matrix file could not be loaded. ``file`` names it."""

    def __init__(self, file: str, message: str) -> None:
        super().__init__(message)
        self.file = file


class MatrixFileError(MatrixLoadError):
    """The file is missing, unreadable, or not UTF-8 text."""


class MatrixSyntaxError(MatrixLoadError):
    """Not a YAML document the matrix accepts."""

    def __init__(self, file: str, *, line: int | None, found: str, expected: str) -> None:
        where = f"{file}:{line}" if line is not None else file
        super().__init__(file, f"{where}: found {found}; expected {expected}")
        self.line = line
        self.found = found
        self.expected = expected


@dataclass(frozen=True, slots=True)
class Problem:
    """One shape error: at ``path`` (line ``line``) we found ``found`` and expected ``expected``."""

    file: str
    path: str
    line: int | None
    found: str
    expected: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path}: found {self.found}; expected {self.expected}"


class MatrixSchemaError(MatrixLoadError):
    """Valid YAML, wrong shape. ``problems`` lists every offending path, in file order."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        count = len(problems)
        head = f"{file}: {count} problem{'s' if count != 1 else ''}"
        body = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(file, f"{head}:\n{body}")
        self.problems = tuple(problems)


class MatrixLintError(MatrixError):
    """The matrix loads but has error-level lint findings (``findings``)."""

    def __init__(self, label: str, findings: Sequence[Finding]) -> None:
        count = len(findings)
        head = (
            f"matrix {label} has {count} lint error{'s' if count != 1 else ''}; "
            f"fix them before using it (splitbrain matrix lint FILE shows each with its fix)"
        )
        body = "\n".join(
            f"  {finding.code} [{finding.where}] {finding.message}" for finding in findings
        )
        super().__init__(f"{head}:\n{body}")
        self.label = label
        self.findings = tuple(findings)

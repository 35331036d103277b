"""The paths half of ``splitbrain matrix lint``: lint the disclosure paths file with its matrix.

``--paths FILE`` names it; without the option, ``<matrix stem>.paths.yaml`` beside the matrix is
linted when it exists. Findings print like the matrix's (file:line, code, level, where, fix).

Example::

    splitbrain matrix lint scenarios/matrices/telehealth.yaml
    # ... telehealth v3 is lint-clean (26 fields)
    # scenarios/matrices/telehealth.paths.yaml: telehealth paths v1 is lint-clean (7 paths)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from splitbrain.matrix import Finding, Matrix
from splitbrain.matrix.checks.paths import lint_paths
from splitbrain.matrix.paths import PathsFile, default_paths_for, load_paths


@dataclass(frozen=True, slots=True)
class PathsLint:
    """The linted paths file and its findings."""

    file: Path
    paths: PathsFile
    findings: list[Finding]

    @property
    def errors(self) -> int:
        return sum(finding.is_error for finding in self.findings)

    def as_text(self) -> str:
        if not self.findings:
            return f"{self.file}: {self.paths.label} is lint-clean ({len(self.paths.paths)} paths)"
        lines = []
        for finding in self.findings:
            where = f"{self.file}:{finding.line}" if finding.line is not None else str(self.file)
            lines.append(
                f"{where}: {finding.code} {finding.severity.value} [{finding.where}] "
                f"{finding.message}"
            )
            lines.append(f"    fix: {finding.fix}")
        warnings = len(self.findings) - self.errors
        lines.append(f"{self.paths.label}: {self.errors} error(s), {warnings} warning(s)")
        return "\n".join(lines)

    def as_json(self) -> dict[str, object]:
        return {
            "file": str(self.file),
            "version": self.paths.version,
            "findings": [finding.as_dict() for finding in self.findings],
            "summary": {"errors": self.errors, "warnings": len(self.findings) - self.errors},
        }


def paths_file(matrix_file: Path, option: Path | None) -> Path | None:
    """The paths file to lint: the option, else the default beside the matrix if present."""
    if option is not None:
        return option
    default = default_paths_for(matrix_file)
    return default if default.is_file() else None


def lint_paths_file(file: Path, matrix: Matrix) -> PathsLint:
    """Load and lint ``file``; a broken file raises ``MatrixLoadError`` (exit 2 upstream)."""
    paths = load_paths(file)
    return PathsLint(file, paths, lint_paths(paths, matrix))

"""What ``splitbrain run PATHS`` runs: Gherkin features and conflict catalog cases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from splitbrain.harness.catalog import ConflictCase, load_case
from splitbrain.harness.runner.errors import InputError
from splitbrain.matrix import MatrixError

__all__ = ["RunInputs", "collect"]


@dataclass(frozen=True, slots=True)
class RunInputs:
    features: tuple[Path, ...]
    cases: tuple[ConflictCase, ...]


def collect(paths: Sequence[Path]) -> RunInputs:
    """``*.feature`` files and conflict case ``*.yaml`` files, from files or directories."""
    features: list[Path] = []
    cases: list[ConflictCase] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or directory; pass .feature files, conflict "
                             "case .yaml files or directories holding them")  # fmt: skip
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.suffix == ".feature":
                features.append(file.resolve())
            elif file.suffix in (".yaml", ".yml") and (not path.is_dir() or _is_case(file)):
                cases.append(_case(file))
            elif not path.is_dir():
                raise InputError(f"{file}: not a .feature or conflict case .yaml file")
    if not features and not cases:
        raise InputError(f"no .feature or conflict case files under {', '.join(map(str, paths))}")
    return RunInputs(tuple(features), tuple(cases))


def _is_case(file: Path) -> bool:
    head = file.read_text(encoding="utf-8", errors="replace")[:400]
    return any(line.startswith("id: ") for line in head.splitlines())


def _case(file: Path) -> ConflictCase:
    try:
        return load_case(file)
    except MatrixError as exc:
        raise InputError(f"{file}: not a conflict case ({exc})") from None

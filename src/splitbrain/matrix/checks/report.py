"""A findings collector that knows the matrix's source lines, so each check only says what."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from splitbrain.matrix.findings import CODES, Finding
from splitbrain.matrix.marks import Loc, path_text
from splitbrain.matrix.model import Matrix


class Report:
    """Collects findings for one matrix; ``add`` fills in the YAML path and line."""

    def __init__(self, matrix: Matrix) -> None:
        self.matrix = matrix
        self.findings: list[Finding] = []

    def add(self, code: str, loc: Loc, message: str, fix: str, *, field: str | None = None) -> None:
        if code not in CODES:
            raise KeyError(f"lint code {code!r} is not in the catalog (splitbrain.matrix.CODES)")
        if field is None and len(loc) > 1 and loc[0] == "fields":
            field = str(loc[1])
        line = self.matrix.source.line_of(loc)
        self.findings.append(Finding(code, field, path_text(loc), message, fix, line))


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'in_care'?)`` when a declared name is close, else nothing."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def listing(names: Iterable[str]) -> str:
    """``'a', 'b' and 'c'``."""
    quoted = [repr(str(name)) for name in names]
    if len(quoted) <= 1:
        return "".join(quoted) or "none"
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"

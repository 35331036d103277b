"""Where things were written: YAML paths and the line each one starts on.

A path is a tuple of keys and list indexes, ``("fields", "medication_plan", "owner", 1,
"from_stage")``, written for people as ``fields.medication_plan.owner[1].from_stage``.

Example::

    source.line_of(("fields", "legal_name", "sla"))   # -> 57
    path_text(("enums", "care_stage", "systems", "crm", "New Lead"))
    # -> "enums.care_stage.systems.crm['New Lead']"
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

Loc = tuple[str | int, ...]
"""A path into the document: mapping keys and list indexes."""

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def path_text(loc: Sequence[str | int]) -> str:
    """``fields.medication_plan.owner[1].from_stage``; odd keys are quoted: ``crm['New Lead']``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text or "(top level)"


@dataclass(frozen=True, slots=True)
class SourceMap:
    """The file a matrix came from and the 1-based line of every path in it."""

    file: str | None = None
    lines: Mapping[Loc, int] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> SourceMap:
        return cls()

    def line_of(self, loc: Sequence[str | int]) -> int | None:
        """The line of ``loc``, or of its nearest written parent (a missing key's mapping)."""
        parts = tuple(loc)
        while True:
            line = self.lines.get(parts)
            if line is not None or not parts:
                return line
            parts = parts[:-1]

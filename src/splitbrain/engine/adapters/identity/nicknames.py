"""The nickname table shipped with the engine (``nicknames.csv``), as a name equivalence.

Two given names are *related* when one row lists both (a formal name and a nickname, or two
nicknames of one formal name): ``bob``/``robert``, ``liz``/``beth``. Names are compared in the
normalized form (:func:`~splitbrain.engine.adapters.identity.normalize.fold_name`).

>>> table = NicknameTable.default()
>>> table.related("bob", "robert"), table.related("albert", "alfred")
(True, False)
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from importlib import resources

__all__ = ["NicknameTable"]


class NicknameTable:
    """name -> the ids of the rows (groups) it appears in."""

    __slots__ = ("_groups", "_variants")

    def __init__(self, rows: Iterable[tuple[str, Iterable[str]]]) -> None:
        groups: dict[str, set[int]] = {}
        for gid, (formal, nicks) in enumerate(rows):
            for name in (formal, *nicks):
                groups.setdefault(name, set()).add(gid)
        self._groups = {name: frozenset(ids) for name, ids in groups.items()}
        members: dict[int, set[str]] = {}
        for name, ids in groups.items():
            for gid in ids:
                members.setdefault(gid, set()).add(name)
        self._variants = {
            name: frozenset().union(*(members[g] for g in ids)) - {name}
            for name, ids in groups.items()
        }

    @classmethod
    def default(cls) -> NicknameTable:
        """The table shipped as ``nicknames.csv`` beside this module."""
        text = resources.files(__package__).joinpath("nicknames.csv").read_text("utf-8")
        lines = [line for line in text.splitlines() if line and not line.startswith("#")]
        rows = [(row[0], row[1].split()) for row in csv.reader(lines[1:])]
        return cls(rows)

    def related(self, left: str, right: str) -> bool:
        if left == right:
            return True
        a, b = self._groups.get(left), self._groups.get(right)
        return a is not None and b is not None and not a.isdisjoint(b)

    def variants(self, name: str) -> frozenset[str]:
        return self._variants.get(name, frozenset())

    def __len__(self) -> int:
        return len(self._groups)

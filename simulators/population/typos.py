"""Typing mistakes: insert, delete, substitute, transpose, with QWERTY neighbours.

Every operation changes the text (a transposition of two equal letters would not, so it
picks unequal neighbours), so a copy labelled with a typo always differs from the truth.

>>> import random
>>> typo("Johnson", random.Random(3))
('Johnon', 'delete')
"""

from __future__ import annotations

import random

__all__ = ["TYPO_OPS", "typo"]

TYPO_OPS: tuple[str, ...] = ("insert", "delete", "substitute", "transpose")

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _ch in enumerate(_row):
        _keys = [_row[i] for i in (_c - 1, _c + 1) if 0 <= i < len(_row)]
        _keys += [_ROWS[r][_c] for r in (_r - 1, _r + 1) if 0 <= r < 3 and _c < len(_ROWS[r])]
        _NEIGHBOURS[_ch] = "".join(_keys)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _near(ch: str, rng: random.Random) -> str:
    """A key next to ``ch`` (keeping case), or a random letter other than ``ch``."""
    options = _NEIGHBOURS.get(ch.lower()) or _LETTERS.replace(ch.lower(), "")
    pick = rng.choice(options)
    return pick.upper() if ch.isupper() else pick


def typo(text: str, rng: random.Random) -> tuple[str, str]:
    """``text`` with one typing mistake, and the operation's name."""
    op = rng.choice(TYPO_OPS)
    if op == "transpose":
        spots = [i for i in range(len(text) - 1) if text[i] != text[i + 1]]
        if spots:
            i = rng.choice(spots)
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :], op
        op = "substitute"
    if op == "delete" and len(text) >= 2:
        i = rng.randrange(len(text))
        return text[:i] + text[i + 1 :], op
    if op == "substitute" and text:
        i = rng.randrange(len(text))
        return text[:i] + _near(text[i], rng) + text[i + 1 :], op
    i = rng.randrange(len(text) + 1)
    anchor = text[i - 1] if i else (text[:1] or "e")
    return text[:i] + _near(anchor, rng).lower() + text[i:], "insert"

"""Phone numbers that are obviously fictitious: NANP ``NXX-555-01XX`` only.

555-0100 to 555-0199 is the range the NANP reserves for fiction, under any area code. The
712 area codes of the form ``[2-9][0-8][0-9]`` (less the N11 service codes) are split in two
disjoint halves: even positions for the generated population, odd positions for the values
that actors write later (:class:`~simulators.population.unique.UniqueValues`), so a phone
observed in a system tells whether the population or a write put it there.

>>> format_phone("+12125550142", "paren")
'(212) 555-0142'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

__all__ = [
    "FORMATS",
    "POPULATION_PHONES",
    "WRITERS",
    "WRITE_PHONES",
    "PhoneSpace",
    "format_phone",
    "is_fictitious",
]

_AREA_CODES: tuple[str, ...] = tuple(
    f"{n}{x}{y}"
    for n in range(2, 10)
    for x in range(9)
    for y in range(10)
    if not (x == 1 and y == 1)
)

#: Format name -> template over the 10 national digits, as systems and typists write them.
FORMATS: dict[str, str] = {
    "paren": "({0}) {1}-{2}",
    "e164": "+1{0}{1}{2}",
    "dashed_intl": "+1-{0}-{1}-{2}",
    "dotted": "{0}.{1}.{2}",
    "dashed": "{0}-{1}-{2}",
    "digits": "{0}{1}{2}",
    "paren_intl": "1 ({0}) {1}-{2}",
}


class PhoneSpace:
    """A finite, ordered set of fictitious E.164 numbers: area codes x lines 0100-0199."""

    __slots__ = ("area_codes",)

    def __init__(self, area_codes: tuple[str, ...]) -> None:
        self.area_codes = area_codes

    def __len__(self) -> int:
        return len(self.area_codes) * 100

    def __getitem__(self, index: int) -> str:
        area, line = divmod(index, 100)
        return "+1%s55501%02d" % (self.area_codes[area], line)  # noqa: UP031 (fast)


POPULATION_PHONES = PhoneSpace(_AREA_CODES[0::2])
WRITE_PHONES = PhoneSpace(_AREA_CODES[1::2])


def format_phone(e164: str, style: str) -> str:
    """``+1NXX55501XX`` written in one of :data:`FORMATS`."""
    return WRITERS[style](e164)


#: FORMATS as functions of the E.164 text (the generator writes a phone per record; a
#: template's ``format`` costs twice as much). A test holds them equal to the templates.
WRITERS: Final[dict[str, Callable[[str], str]]] = {
    "paren": lambda e: f"({e[2:5]}) {e[5:8]}-{e[8:]}",
    "e164": lambda e: f"+1{e[2:5]}{e[5:8]}{e[8:]}",
    "dashed_intl": lambda e: f"+1-{e[2:5]}-{e[5:8]}-{e[8:]}",
    "dotted": lambda e: f"{e[2:5]}.{e[5:8]}.{e[8:]}",
    "dashed": lambda e: f"{e[2:5]}-{e[5:8]}-{e[8:]}",
    "digits": lambda e: f"{e[2:5]}{e[5:8]}{e[8:]}",
    "paren_intl": lambda e: f"1 ({e[2:5]}) {e[5:8]}-{e[8:]}",
}


_FICTITIOUS = re.compile(r"^\+1[2-9][0-8]\d55501\d\d$")


def is_fictitious(e164: str) -> bool:
    """True when an E.164 number is in the NANP fictitious range ``NXX-555-01XX``."""
    return bool(_FICTITIOUS.match(e164))

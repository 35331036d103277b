"""The delimiters of one HL7 v2 message (MSH-1 and MSH-2), escaping and unescaping values.

Values are unescaped here (``\\F\\``, ``\\S\\``, ``\\T\\``, ``\\R\\``, ``\\E\\``,
``\\Xhh\\``), never by python-hl7, whose unescape logs field values and can raise::

    delimiters = read_delimiters("MSH|^~\\\\&|LAB")
    delimiters.escape_text("a|b")           # 'a\\F\\b'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from simulators.ehr.hl7.errors import Condition, Location, MalformedMessage

_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+")


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The field separator (MSH-1) and the encoding characters (MSH-2) of one message."""

    field: str = "|"
    component: str = "^"
    repetition: str = "~"
    escape: str = "\\"
    subcomponent: str = "&"

    @property
    def encoding_characters(self) -> str:
        return self.component + self.repetition + self.escape + self.subcomponent

    def escape_text(self, text: str) -> str:
        """Escape a plain value for this message (delimiters, CR and LF)."""
        out: list[str] = []
        names = {self.field: "F", self.component: "S", self.subcomponent: "T"}
        names |= {self.repetition: "R", self.escape: "E"}
        for char in text:
            if char in names:
                out.append(f"{self.escape}{names[char]}{self.escape}")
            elif char in "\r\n":
                out.append(f"{self.escape}X{ord(char):02X}{self.escape}")
            else:
                out.append(char)
        return "".join(out)

    def unescape_text(self, text: str) -> str:
        """Resolve escape sequences; unknown or formatting sequences are dropped."""
        if self.escape not in text:
            return text
        out: list[str] = []
        rest = text
        while self.escape in rest:
            head, _, tail = rest.partition(self.escape)
            name, found, after = tail.partition(self.escape)
            if not found:
                break
            out.append(head)
            out.append(self._resolve(name))
            rest = after
        out.append(rest)
        return "".join(out)

    def _resolve(self, name: str) -> str:
        named = {"F": self.field, "S": self.component, "T": self.subcomponent}
        named |= {"R": self.repetition, "E": self.escape}
        if name in named:
            return named[name]
        if name.startswith("X") and _HEX.fullmatch(name[1:]):
            return bytes.fromhex(name[1:]).decode("utf-8", errors="replace")
        if name in (".br", ".sp"):
            return "\n"
        return ""


STANDARD_DELIMITERS: Final = Delimiters()


def read_delimiters(text: str) -> Delimiters:
    """Check that the text begins with MSH and usable delimiters, and return them."""
    msh = Location("MSH", 1, 2)
    if not text.startswith("MSH"):
        raise MalformedMessage("the message does not begin with an MSH segment")
    if len(text) < 8:
        raise MalformedMessage("the MSH segment is too short to hold its delimiters", location=msh)
    separator = text[3]
    end = text.find(separator, 4)
    encoding = text[4:] if end < 0 else text[4:end]
    encoding = encoding.split("\r", 1)[0]
    chars = separator + encoding
    usable = all(not (c.isalnum() or c.isspace()) for c in chars) and len(set(chars)) == len(chars)
    if len(encoding) not in (4, 5) or not usable:
        raise MalformedMessage(
            "MSH-1/MSH-2 must be a field separator and 4 distinct encoding characters "
            "(e.g. |^~\\&)",
            location=msh,
            condition=Condition.DATA_TYPE_ERROR,
        )
    return Delimiters(separator, encoding[0], encoding[1], encoding[2], encoding[3])

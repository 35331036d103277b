"""Raw identity values into the normalized forms the matcher compares (DESIGN §5).

- phone: E.164 via ``phonenumbers`` with an explicit default region (``US`` unless configured);
- email: trimmed and casefolded; a value without ``@`` is no email;
- names: NFKD, combining marks stripped, other scripts transliterated to Latin (``anyascii``),
  lower-cased, apostrophes dropped, other punctuation to spaces, titles and suffixes
  (Mr, Dr, Jr, III) removed;
- dates: ``YYYYMMDD``, ``YYYY-MM-DD``, ``YYYY/MM/DD``, and ``MM/DD/YYYY`` or ``DD/MM/YYYY`` as the
  file declares (``date_order``), to ISO; an impossible date is no date;
- addresses: folded like names, with the common street words abbreviated (Street -> st);
  postcodes upper-cased without spaces (US ZIP+4 -> 5 digits); states to USPS codes.

A value that is empty or unusable after normalizing is ``None``, never ``""``. Every function
is idempotent: ``f(f(x)) == f(x)``.

>>> n = Normalizer()
>>> n.phone("(212) 555-0142"), n.name("José O'Brien-Núñez"), n.date("03/04/1980")
('+12125550142', 'jose obrien nunez', '1980-03-04')
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Literal

import phonenumbers
from anyascii import anyascii

from splitbrain.engine.adapters.identity.states import STATE_CODES
from splitbrain.engine.domain.identity.record import IdentityRecord

__all__ = ["DateOrder", "Normalizer", "fold_name"]

DateOrder = Literal["MDY", "DMY"]

_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4]")
_NON_ALNUM = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
_NAME_NOISE = frozenset({"mr", "mrs", "ms", "miss", "dr", "jr", "sr", "ii", "iii", "iv"})
_STREET_WORDS = {
    "street": "st", "avenue": "ave", "av": "ave", "road": "rd", "drive": "dr", "lane": "ln",
    "boulevard": "blvd", "court": "ct", "place": "pl", "square": "sq", "terrace": "ter",
    "circle": "cir", "highway": "hwy", "parkway": "pkwy", "apartment": "apt", "suite": "ste",
    "unit": "apt", "north": "n", "south": "s", "east": "e", "west": "w", "northeast": "ne",
    "northwest": "nw", "southeast": "se", "southwest": "sw", "mount": "mt", "fort": "ft",
    "trail": "trl", "way": "way", "floor": "fl", "building": "bldg",
}  # fmt: skip
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SLASHED = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_SEX = {
    "f": "female", "female": "female", "w": "female", "woman": "female",
    "m": "male", "male": "male", "man": "male", "o": "other", "other": "other",
    "x": "other", "nonbinary": "other",
}  # fmt: skip


def _fold(text: str) -> str:
    """Lower-case ASCII letters, digits and single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    latin = stripped if stripped.isascii() else anyascii(stripped)
    latin = _APOSTROPHES.sub("", latin.lower())
    return _SPACES.sub(" ", _NON_ALNUM.sub(" ", latin)).strip()


def fold_name(text: str | None) -> str | None:
    """A name folded for comparing; titles and suffixes dropped (unless that leaves nothing)."""
    if text is None:
        return None
    words = _fold(text).split()
    kept = [w for w in words if w not in _NAME_NOISE] or words
    return " ".join(kept) or None


class Normalizer:
    """Normalizes raw values; ``record(...)`` builds an :class:`IdentityRecord`."""

    __slots__ = ("date_order", "default_region")

    def __init__(self, default_region: str = "US", date_order: DateOrder = "MDY") -> None:
        self.default_region = default_region
        self.date_order = date_order

    def name(self, raw: str | None) -> str | None:
        return fold_name(raw)

    def phone(self, raw: str | None) -> str | None:
        if raw is None or not raw.strip():
            return None
        try:
            number = phonenumbers.parse(raw, self.default_region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_possible_number(number):
            return None
        formatted: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return formatted

    def email(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        value = raw.strip().casefold()
        local, at, domain = value.partition("@")
        return value if at and local and domain and " " not in value else None

    def date(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        text = raw.strip()[:10] if "T" in raw else raw.strip()
        if m := _ISO.match(text) or _COMPACT.match(text):
            year, month, day = m.groups()
        elif m := _SLASHED.match(text):
            first, second, year = m.groups()
            month, day = (first, second) if self.date_order == "MDY" else (second, first)
        else:
            return None
        try:
            return date(int(year), int(month), int(day)).isoformat()
        except ValueError:
            return None

    def sex(self, raw: str | None) -> str | None:
        return None if raw is None else _SEX.get(raw.strip().casefold())

    def address_line(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        words = [_STREET_WORDS.get(w, w) for w in _fold(raw.replace("#", " apt ")).split()]
        kept = [w for i, w in enumerate(words) if i == 0 or w != words[i - 1]]  # "apt #4"
        return " ".join(kept) or None

    def city(self, raw: str | None) -> str | None:
        return None if raw is None else (_fold(raw) or None)

    def postcode(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        text = re.sub(r"[^0-9A-Za-z]", "", raw).upper()
        if re.fullmatch(r"\d{9}", text) or (re.fullmatch(r"\d{5}-?\d{4}", raw.strip())):
            text = text[:5]
        return text or None

    def state(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        folded = _fold(raw)
        if not folded:
            return None
        return STATE_CODES.get(folded, folded.upper())

    def identifier(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        return re.sub(r"[\s\-./]", "", raw).upper() or None

    def record(
        self,
        source_system: str,
        source_record_id: str,
        *,
        identifier: str | None = None,
        given: str | None = None,
        family: str | None = None,
        date_of_birth: str | None = None,
        sex: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        address_line: str | None = None,
        city: str | None = None,
        postcode: str | None = None,
        state: str | None = None,
    ) -> IdentityRecord:
        """An :class:`IdentityRecord` of raw values, each normalized."""
        return IdentityRecord(
            source_system=source_system,
            source_record_id=source_record_id,
            identifier=self.identifier(identifier),
            given=self.name(given),
            family=self.name(family),
            date_of_birth=self.date(date_of_birth),
            sex=self.sex(sex),
            phone=self.phone(phone),
            email=self.email(email),
            address_line=self.address_line(address_line),
            city=self.city(city),
            postcode=self.postcode(postcode),
            state=self.state(state),
        )

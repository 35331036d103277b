"""What a PHI scan looks for: canary tokens, and each person's raw values from a ground truth.

Every person of a ground truth (``ground_truth.jsonl`` from ``splitbrain phi generate``) gives
needles, each tagged with its person, the matrix field it belongs to and that field's class:

- ``legal_name`` (limited_clinical): found when the given name and the family name both appear,
  as whole words, in one unit (one line, one database cell), in either script;
- ``date_of_birth``, ``phone`` (E.164 and the usual national spellings), ``email``, ``address``
  (the street line): limited_clinical;
- ``diagnosis`` (phi_restricted): the diagnosis note, its canary taken off;
- ``ssn`` (highly_restricted: no matrix field may carry it);
- the person's canary (``CANARY-<12 hex>``), planted in the diagnosis note and the plan.

Matching is case-insensitive on whole words; needles shorter than 3 characters are not looked
for (a two-letter given name would match everywhere). Lookups go through a prefix table, so a
scan is linear in the text scanned.

Example::

    index = LeakIndex.from_ground_truth(Path("out/population/ground_truth.jsonl"))
    [hit.field for hit in index.find('{"phone": "+14195550186"}')]    # -> ["phone"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulators.population import CANARY_PATTERN, iter_ground_truth
from splitbrain.matrix.vocabulary import DisclosureClass

CANARY = "canary"
_PREFIX = 3
_NAME = "legal_name"
_BRACKETED_CANARY = re.compile(r"\s*\[CANARY-[0-9a-f]{12}\]")
_WORD_START = re.compile(r"(?<![^\W_])[^\W_]|[+(]")
"""Where a whole-word needle can begin: a letter or digit after a non-alphanumeric, or + or (."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One sensitive item found in a unit: whose, which field, its class (never the value)."""

    gt_id: str | None
    field: str
    disclosure: DisclosureClass
    canary: str | None = None
    """The canary token when the hit is a canary (a synthetic marker, safe to show)."""


@dataclass(frozen=True, slots=True)
class _Needle:
    gt_id: str
    field: str
    disclosure: DisclosureClass
    part: str | None = None
    """For a name: "given" or "family:<n>" of name pair n; None for a whole value."""


class LeakIndex:
    """Needles by a 3-character prefix, and the known canaries by token."""

    def __init__(self) -> None:
        self._by_prefix: dict[str, list[tuple[str, _Needle]]] = {}
        self.canaries: dict[str, str] = {}
        self.people = 0

    @classmethod
    def from_ground_truth(cls, path: Path) -> LeakIndex:
        return cls.from_people(iter_ground_truth(path))

    @classmethod
    def load(cls, path: Path) -> LeakIndex:
        """A ground truth (JSON lines with ``gt_id``), or a plain file of canary tokens."""
        with path.open(encoding="utf-8") as lines:
            first = next((line for line in lines if line.strip()), "")
        if first.lstrip().startswith("{"):
            return cls.from_ground_truth(path)
        return cls.from_canaries(CANARY_PATTERN.findall(path.read_text(encoding="utf-8")))

    @classmethod
    def from_people(cls, people: Iterable[Mapping[str, Any]]) -> LeakIndex:
        index = cls()
        for person in people:
            index.add_person(person)
        return index

    @classmethod
    def from_canaries(cls, tokens: Iterable[str]) -> LeakIndex:
        """Canaries only, with no person attached (a plain list of tokens)."""
        index = cls()
        index.canaries.update({token: "" for token in tokens})
        return index

    def add_person(self, person: Mapping[str, Any]) -> None:
        gt = str(person["gt_id"])
        self.people += 1
        if person.get("canary"):
            self.canaries[str(person["canary"])] = gt
        limited = DisclosureClass.LIMITED_CLINICAL
        for n, (given, family) in enumerate(_name_pairs(person)):
            self._add(given, _Needle(gt, _NAME, limited, f"given:{n}"))
            self._add(family, _Needle(gt, _NAME, limited, f"family:{n}"))
        self._add(person.get("birth_date"), _Needle(gt, "date_of_birth", limited))
        self._add(person.get("email"), _Needle(gt, "email", limited))
        for spelling in _phone_spellings(person.get("phone")):
            self._add(spelling, _Needle(gt, "phone", limited))
        address = person.get("address") or {}
        self._add(address.get("line"), _Needle(gt, "address", limited))
        ssn = person.get("ssn")
        if isinstance(ssn, str):
            for spelling in (ssn, ssn.replace("-", "")):
                self._add(spelling, _Needle(gt, "ssn", DisclosureClass.HIGHLY_RESTRICTED))
        note = (person.get("clinical") or {}).get("diagnosis_note")
        if isinstance(note, str):
            plain = _BRACKETED_CANARY.sub("", note)
            self._add(plain, _Needle(gt, "diagnosis", DisclosureClass.PHI_RESTRICTED))

    def find(self, unit: str) -> list[Hit]:
        """Every sensitive item in ``unit`` (once per person and field), canaries first."""
        hits = [
            Hit(self.canaries.get(token) or None, CANARY, DisclosureClass.PHI_RESTRICTED, token)
            for token in dict.fromkeys(CANARY_PATTERN.findall(unit))
        ]
        found: dict[tuple[str, str], _Needle] = {}
        parts: dict[tuple[str, str], set[str]] = {}
        for needle in self._needles_in(unit.lower()):
            if needle.part is None:
                found.setdefault((needle.gt_id, needle.field), needle)
                continue
            kind, pair = needle.part.split(":")
            parts.setdefault((needle.gt_id, pair), set()).add(kind)
        for (gt, _pair), kinds in parts.items():
            if kinds == {"given", "family"}:
                found.setdefault((gt, _NAME), _Needle(gt, _NAME, DisclosureClass.LIMITED_CLINICAL))
        hits.extend(Hit(n.gt_id, n.field, n.disclosure) for n in found.values())
        return hits

    def _needles_in(self, low: str) -> Iterator[_Needle]:
        table = self._by_prefix
        for start in _WORD_START.finditer(low):
            i = start.start()
            candidates = table.get(low[i : i + _PREFIX])
            if candidates is None:
                continue
            for text, needle in candidates:
                if low.startswith(text, i) and _whole(low, i, i + len(text)):
                    yield needle

    def _add(self, value: object, needle: _Needle) -> None:
        if not isinstance(value, str) or len(value.strip()) < _PREFIX:
            return
        text = value.strip().lower()
        self._by_prefix.setdefault(text[:_PREFIX], []).append((text, needle))


def _whole(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` a whole word (no letter or digit on either side)?"""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def _name_pairs(person: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs = [(person.get("given"), person.get("family"))]
    pairs.append((person.get("given_latin"), person.get("family_latin")))
    return list(
        dict.fromkeys((g, f) for g, f in pairs if isinstance(g, str) and isinstance(f, str))
    )


def _phone_spellings(phone: object) -> list[str]:
    """``+14195550186`` -> itself and 4195550186, 419-555-0186, (419) 555-0186, 419.555.0186."""
    if not isinstance(phone, str):
        return []
    digits = re.sub(r"\D", "", phone)[-10:]
    if len(digits) != 10:
        return [phone]
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return [
        phone,
        digits,
        f"{area}-{exchange}-{line}",
        f"({area}) {exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"{area} {exchange} {line}",
    ]

"""Canaries: a recognisable, per-person marker planted in restricted fields.

Every person in care carries ``CANARY-<12 hex>`` in the diagnosis note and the medication plan
(``phi_restricted`` in any sensible matrix). The token is derived from the seed and the
ground-truth id, so it is the same on every run and names its person. A leak scanner searches
CRM records, outbound messages and logs for :data:`CANARY_PATTERN`: any hit where the field's
class forbids it is a PHI leak, and the token says whose.

>>> canary_token(7, "gt_000001")
'CANARY-538f02f1adaa'
>>> find_canaries("plan: tirzepatide 5 mg weekly [CANARY-538f02f1adaa]")
['CANARY-538f02f1adaa']
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from simulators.population.model import Person, PersonEntry

__all__ = [
    "CANARY_FIELDS",
    "CANARY_PATTERN",
    "Canary",
    "canaries",
    "canary_token",
    "canary_tokens",
    "find_canaries",
]

CANARY_PATTERN = re.compile(r"CANARY-[0-9a-f]{12}")
#: The clinical fields a canary is planted in.
CANARY_FIELDS: tuple[str, ...] = ("diagnosis_note", "medication_plan")


@dataclass(frozen=True, slots=True)
class Canary:
    gt_id: str
    field: str
    token: str


def _sha256() -> Callable[[bytes], Any]:
    """CPython's own SHA-256 (``_sha2``, ``_sha256`` in 3.11): for a 30-byte input it is about
    twice as fast as OpenSSL's through ``hashlib``; the same digest. ``hashlib`` otherwise."""
    for name in ("_sha2", "_sha256"):
        try:
            found: Callable[[bytes], Any] = importlib.import_module(name).sha256
            return found
        except (ImportError, AttributeError):
            continue
    return hashlib.sha256


_SHA256: Final = _sha256()


def canary_token(seed: int, gt_id: str) -> str:
    return canary_tokens(seed)(gt_id)


def canary_tokens(seed: int) -> Callable[[str], str]:
    """``canary_token`` for one seed as a function (the generator makes one per person)."""
    prefix = f"population-canary:{seed}:".encode()
    sha256 = _SHA256

    def token(gt_id: str) -> str:
        digest: bytes = sha256(prefix + gt_id.encode()).digest()
        return "CANARY-" + digest[:6].hex()  # the first 12 hex digits of the SHA-256

    return token


def canaries(people: Iterable[Person | PersonEntry]) -> list[Canary]:
    """Every canary planted in the given persons, one per (person, field)."""
    found: list[Canary] = []
    for item in people:
        person = item.person if isinstance(item, PersonEntry) else item
        if person.clinical is not None:
            found.extend(Canary(person.gt_id, f, person.canary) for f in CANARY_FIELDS)
    return found


def find_canaries(text: str) -> list[str]:
    """The canary tokens in a text, in order of appearance."""
    return CANARY_PATTERN.findall(text)

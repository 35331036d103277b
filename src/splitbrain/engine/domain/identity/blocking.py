"""Blocking keys: which stored records are worth scoring against a new one.

Each key is a string a record shares with its likely matches. The index stores a record under
all its keys and looks candidates up by them, never scanning all records. Exact identity keys
(canonical identifier, phone, email) find every pair that shares one of those values; the
fuzzy keys catch typos, nicknames, married names and swapped dates between them.

=================  =====================================  ====================================
key                value                                  catches
=================  =====================================  ====================================
identifier         ``id:<identifier>``                    the same canonical id
phone              ``ph:<E.164>``                         the same phone, any written format
email              ``em:<email>``                         the same email
family_dob         ``fd:<soundex(family)>:<dob>``         nicknames, given-name typos
dob_given          ``dg:<dob>:<given initial>``           family typos and married names
names_year         ``ny:<sx(given)>:<sx(family)>:<year>`` swapped or mistyped dates
postcode_family    ``pf:<postcode>:<family prefix>``      records without a date of birth
given_family       ``gf:<soundex(given)>:<soundex(fam)>`` leads without DOB or address
=================  =====================================  ====================================

A key value shared by more than the index's block limit identifies nobody in particular (a
clinic's front-desk phone, a postcode full of Smiths); the index stops searching it.

Blocks under the limit still grow with the index (a recycled phone, a common name in a birth
year), so :meth:`BlockingKeys.choose` bounds how many stored records are scored. When the usable
blocks hold at most ``max_scored`` records, every one is scored. Above that:

- a *lone* record, sharing a single key with the new one and that key's block holding more than
  ``max_lone_block`` records, is not scored (one value shared by many says little: the stranger
  given a recycled phone number, a namesake). Records sharing two keys, or a small block, are;
  so the records scored stay few however large the index grows, and a true match, which mostly
  shares several keys, stays among them;
- of the rest, at most ``max_scored`` with the most support are, a record's support being the
  sum of ``1 / block size`` over the blocks it shares with the new one (a shared rare value
  counts more than a shared common one; a record sharing several keys more than one sharing a
  single key). Ties keep the order in which the blocks found them, so the choice is
  deterministic.

>>> soundex("robert"), soundex("rupert")
('R163', 'R163')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from heapq import nlargest
from typing import TypeVar

from splitbrain.engine.domain.identity.errors import ModelInvalid
from splitbrain.engine.domain.identity.record import IdentityRecord

__all__ = [
    "BLOCKING_KEYS",
    "DEFAULT_MAX_LONE_BLOCK",
    "DEFAULT_MAX_SCORED",
    "EXACT_KEYS",
    "BlockingKeys",
    "soundex",
]

DEFAULT_MAX_SCORED = 32
"""Stored records scored per new record at most (see :meth:`BlockingKeys.choose`)."""

DEFAULT_MAX_LONE_BLOCK = 8
"""Above ``max_scored``, a record sharing one key only is scored if that block is this small."""

_T = TypeVar("_T")

_CODES = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


_SOUNDEX: dict[str, str | None] = {}
_SOUNDEX_SIZE = 100_000
"""Names repeat: recent codes are kept (cleared when full), so a record's keys cost lookups."""


def soundex(name: str) -> str | None:
    """American Soundex of the letters a-z in ``name`` (``None`` when it has none)."""
    try:
        return _SOUNDEX[name]
    except KeyError:
        pass
    if len(_SOUNDEX) >= _SOUNDEX_SIZE:
        _SOUNDEX.clear()
    code = _SOUNDEX[name] = _soundex(name)
    return code


def _soundex(name: str) -> str | None:
    letters = [c for c in name if "a" <= c <= "z"]
    if not letters:
        return None
    first = letters[0]
    out = [first.upper()]
    previous = _CODES.get(first, "")
    for c in letters[1:]:
        code = _CODES.get(c, "")
        if code and code != previous:
            out.append(code)
            if len(out) == 4:
                break
        if c not in "hw":  # h and w do not separate equal codes; vowels do
            previous = code
    return "".join(out).ljust(4, "0")


def _identifier(r: IdentityRecord) -> tuple[str, ...]:
    return (f"id:{r.identifier}",) if r.identifier is not None else ()


def _phone(r: IdentityRecord) -> tuple[str, ...]:
    return (f"ph:{r.phone}",) if r.phone is not None else ()


def _email(r: IdentityRecord) -> tuple[str, ...]:
    return (f"em:{r.email}",) if r.email is not None else ()


def _family_codes(r: IdentityRecord) -> tuple[str, ...]:
    if r.family is None:
        return ()
    codes = {soundex(part) for part in r.family.split()}
    codes.discard(None)
    return tuple(sorted(c for c in codes if c is not None))


def _family_dob(r: IdentityRecord) -> tuple[str, ...]:
    if r.date_of_birth is None:
        return ()
    return tuple(f"fd:{code}:{r.date_of_birth}" for code in _family_codes(r))


def _names_year(r: IdentityRecord) -> tuple[str, ...]:
    if r.date_of_birth is None:
        return ()
    year = r.date_of_birth[:4]
    return tuple(f"ny:{names}:{year}" for names in _names(r))


def _dob_given(r: IdentityRecord) -> tuple[str, ...]:
    if r.date_of_birth is None or r.given is None:
        return ()
    return (f"dg:{r.date_of_birth}:{r.given[0]}",)


def _postcode_family(r: IdentityRecord) -> tuple[str, ...]:
    if r.postcode is None or r.family is None:
        return ()
    return (f"pf:{r.postcode}:{r.family[:3]}",)


def _names(r: IdentityRecord) -> tuple[str, ...]:
    if r.given is None:
        return ()
    given = soundex(r.given.split()[0])
    if given is None:
        return ()
    return tuple(f"{given}:{code}" for code in _family_codes(r))


def _given_family(r: IdentityRecord) -> tuple[str, ...]:
    return tuple(f"gf:{names}" for names in _names(r))


BLOCKING_KEYS: dict[str, Callable[[IdentityRecord], tuple[str, ...]]] = {
    "identifier": _identifier,
    "phone": _phone,
    "email": _email,
    "family_dob": _family_dob,
    "dob_given": _dob_given,
    "names_year": _names_year,
    "postcode_family": _postcode_family,
    "given_family": _given_family,
}
"""Key name -> the function giving a record's keys of that kind."""

EXACT_KEYS: frozenset[str] = frozenset({"identifier", "phone", "email"})
"""Keys that stand for one identity value; the rest are fuzzy."""


class BlockingKeys:
    """The configured key kinds; ``keys(record)`` gives every key of a (scrubbed) record, and
    ``choose(blocks)`` the stored records to score among those blocks."""

    __slots__ = ("_functions", "max_lone_block", "max_scored", "names")

    def __init__(
        self,
        names: Sequence[str],
        max_scored: int = DEFAULT_MAX_SCORED,
        max_lone_block: int = DEFAULT_MAX_LONE_BLOCK,
    ) -> None:
        unknown = [n for n in names if n not in BLOCKING_KEYS]
        if unknown:
            raise ModelInvalid(
                f"unknown blocking keys {unknown}; use some of {sorted(BLOCKING_KEYS)}"
            )
        if max_scored < 1:
            raise ModelInvalid(
                f"max_scored is {max_scored}; at least one candidate must be scored (use >= 1)"
            )
        if max_lone_block < 1:
            raise ModelInvalid(
                f"max_lone_block is {max_lone_block}; a record alone in a block of one must be "
                "scored (use >= 1)"
            )
        self.names = tuple(names)
        self.max_scored = max_scored
        self.max_lone_block = max_lone_block
        self._functions = tuple(BLOCKING_KEYS[n] for n in names)

    def choose(self, blocks: Sequence[Sequence[_T]], exclude: _T | None = None) -> list[_T]:
        """The members of ``blocks`` to score (``exclude``, the new record itself, never).

        All of them, in the order the blocks hold them, when there are at most ``max_scored``;
        else those not alone in a block over ``max_lone_block``, at most ``max_scored`` of them,
        the best supported (see the module docstring).
        """
        cap, lone = self.max_scored, self.max_lone_block
        if sum(map(len, blocks)) <= cap:  # the common case: no support to weigh
            found: dict[_T, None] = {}
            for block in blocks:
                found.update(dict.fromkeys(block))
            if exclude is not None:
                found.pop(exclude, None)
            return list(found)
        support: dict[_T, float] = {}
        kept: set[_T] = set()  # in a small block, or in two blocks
        get = support.get
        for block in blocks:
            if not block:  # a key whose records all left (or an index that answers empties)
                continue
            weight = 1.0 / len(block)
            if len(block) <= lone:
                kept.update(block)
                for member in block:
                    support[member] = get(member, 0.0) + weight
                continue
            for member in block:
                held = get(member)
                if held is None:
                    support[member] = weight
                else:
                    support[member] = held + weight
                    kept.add(member)
        if exclude is not None:
            kept.discard(exclude)
        chosen = [member for member in support if member in kept]
        if len(chosen) <= cap:
            return chosen
        return nlargest(cap, chosen, key=support.__getitem__)

    def keys(self, record: IdentityRecord) -> tuple[str, ...]:
        out: list[str] = []
        for function in self._functions:
            out.extend(function(record))
        return tuple(dict.fromkeys(out))

    @staticmethod
    def is_exact(key: str) -> bool:
        """Whether a key string is one of the exact identity keys."""
        return key[:3] in ("id:", "ph:", "em:")

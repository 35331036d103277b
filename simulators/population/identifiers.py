"""Identifiers that can never be real: record ids, ``SYN-`` MRNs, SSN-like numbers, emails.

Counters go through a seeded affine permutation, so ids are unique by construction (no set of
used ids is kept) yet do not reveal generation order: ``ehr-`` id 5 and ``crm-`` id 7 say
nothing about being the same person.

SSN-like numbers use area 000 or 666, which the SSA never issues (and which are not ITINs
either), so no generated number is a valid SSN or ITIN.

>>> is_invalid_ssn("000-12-3456"), is_invalid_ssn("123-45-6789")
(True, False)
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from simulators.population.errors import PoolExhaustedError

__all__ = [
    "EMAIL_DOMAINS",
    "MRN_PREFIX",
    "Permutation",
    "SyntheticIds",
    "is_invalid_ssn",
    "is_synthetic_email",
]

EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.org", "example.net")
MRN_PREFIX = "SYN-"
_SSN_AREAS = ("000", "666")
_SSN_BLOCK = 99 * 9999  # groups 01-99 x serials 0001-9999 per area


class Permutation:
    """A bijection of ``range(modulus)``: ``i -> (a*i + b) % modulus`` with ``a`` coprime."""

    __slots__ = ("_a", "_b", "modulus", "name")

    def __init__(self, name: str, modulus: int, rng: random.Random) -> None:
        a = rng.randrange(modulus // 3, modulus) | 1
        while math.gcd(a, modulus) != 1:
            a += 2
        self._a, self._b = a, rng.randrange(modulus)
        self.modulus, self.name = modulus, name

    def coefficients(self) -> tuple[int, int]:
        """``(a, b)`` of ``i -> (a*i + b) % modulus``, for callers that inline the map."""
        return self._a, self._b

    def __call__(self, index: int) -> int:
        if index >= self.modulus:
            raise PoolExhaustedError(
                f"pool {self.name!r} holds {self.modulus} values and value #{index} was asked "
                "for; generate fewer persons or widen the pool"
            )
        return (self._a * index + self._b) % self.modulus


class SyntheticIds:
    """Per-seed issuer of record ids (per system), MRNs and SSN-like numbers."""

    __slots__ = ("_counts", "_mrn", "_mrns", "_records", "_seed", "_ssn")

    def __init__(self, seed: int) -> None:
        rng = random.Random(f"ids:{seed}")
        self._mrn = Permutation("mrn", 10**8, rng)
        self._ssn = Permutation("ssn-like", len(_SSN_AREAS) * _SSN_BLOCK, rng)
        self._records: dict[str, Permutation] = {}
        self._counts: dict[str, int] = {}
        self._mrns, self._seed = 0, seed

    def record_id(self, system: str) -> str:
        """``ehr-3fa29c01b2``: unique within the system, opaque, unrelated across systems."""
        return self.record_ids(system)()

    def record_ids(self, system: str) -> Callable[[], str]:
        """``record_id`` for one system as a function (the generator calls it per record);
        it shares ``record_id``'s counter."""
        perm = self._records.get(system)
        if perm is None:
            rng = random.Random(f"ids:{self._seed}:{system}")
            perm = self._records[system] = Permutation(f"{system} record id", 1 << 40, rng)
        counts, prefix = self._counts, f"{system}-"
        (a, b), modulus = perm.coefficients(), perm.modulus

        def issue() -> str:
            n = counts.get(system, 0)
            counts[system] = n + 1
            if n >= modulus:
                perm(n)  # raises PoolExhaustedError, naming the pool
            return "%s%010x" % (prefix, (a * n + b) % modulus)  # noqa: UP031 (see gt_id)

        return issue

    def mrn(self) -> str:
        n, self._mrns = self._mrns, self._mrns + 1
        return "%s%08d" % (MRN_PREFIX, self._mrn(n))  # noqa: UP031 (see gt_id)

    def ssn(self, person_index: int) -> str:
        perm = self._ssn
        if person_index >= perm.modulus:
            perm(person_index)  # raises PoolExhaustedError, naming the pool
        a, b = perm.coefficients()
        area, rest = divmod((a * person_index + b) % perm.modulus, _SSN_BLOCK)
        group, serial = divmod(rest, 9999)
        return "%s-%02d-%04d" % (_SSN_AREAS[area], group + 1, serial + 1)  # noqa: UP031


def is_invalid_ssn(text: str) -> bool:
    """True when ``AAA-GG-SSSS`` can be neither an SSN nor an ITIN (or is malformed)."""
    parts = text.split("-")
    if (
        len(parts) != 3
        or [len(p) for p in parts] != [3, 2, 4]
        or not text.replace("-", "").isdigit()
    ):
        return True
    area, group, serial = parts
    return area in _SSN_AREAS or group == "00" or serial == "0000"


def is_synthetic_email(email: str) -> bool:
    return email.rpartition("@")[2] in EMAIL_DOMAINS

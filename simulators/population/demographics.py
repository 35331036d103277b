"""Drawing one person's demographics from the seed's pools with a ``random.Random``.

Phones come from the population half of the fictitious phone space through a seeded
permutation: unique per draw until the space (35,600 numbers) is spent, after which numbers
are reused by unrelated persons, as telephone companies recycle numbers.
"""

from __future__ import annotations

import random
from datetime import date

from simulators.population import scripts
from simulators.population.identifiers import EMAIL_DOMAINS, Permutation
from simulators.population.model import Address
from simulators.population.nicknames import NICKNAMES
from simulators.population.phones import POPULATION_PHONES
from simulators.population.pools import LocalePool, NamePair, Pools
from simulators.population.sampling import pick

__all__ = ["Demographics"]

_MIN_AGE_DAYS, _AGE_SPAN = 18 * 365 + 5, 67 * 365
_PREFERRED_NAME_RATE = 0.6  # of persons whose given name has a nickname


class Demographics:
    """Draws names, dates, addresses, phones and emails; holds no person state."""

    __slots__ = ("_as_of", "_phone_count", "_phones", "_pools", "_rng")

    def __init__(self, pools: Pools, rng: random.Random, as_of: date) -> None:
        self._pools, self._rng, self._as_of = pools, rng, as_of.toordinal()
        self._phones = Permutation("population phones", len(POPULATION_PHONES), rng)
        self._phone_count = 0

    def locale(self) -> LocalePool:
        return self._pools.pick_locale(self._rng)

    def sex(self) -> str:
        return "female" if self._rng.random() < 0.5 else "male"

    def given(self, locale: LocalePool, sex: str, avoid: str | None = None) -> NamePair:
        names = locale.female if sex == "female" else locale.male
        choice = pick(self._rng, names)
        for _ in range(8):  # a twin's name differs from the other twin's
            if choice[0] != avoid:
                break
            choice = pick(self._rng, names)
        return choice

    def family(self, locale: LocalePool, sex: str, avoid: str | None = None) -> NamePair:
        names = locale.family_female if sex == "female" else locale.family_male
        choice = pick(self._rng, names)
        for _ in range(8):
            if choice[0] != avoid:
                break
            choice = pick(self._rng, names)
        return choice

    def preferred_name(self, given_latin: str) -> str | None:
        nicks = NICKNAMES.get(given_latin)
        if not nicks or self._rng.random() >= _PREFERRED_NAME_RATE:
            return None
        return nicks[0] if self._rng.random() < 0.6 else pick(self._rng, nicks)

    def birth_date(self, avoid: frozenset[date] = frozenset()) -> date:
        while True:
            born = date.fromordinal(
                self._as_of - _MIN_AGE_DAYS - int(self._rng.random() * _AGE_SPAN)
            )
            if born not in avoid:
                return born

    def address(self) -> Address:
        rng, pools = self._rng, self._pools
        line = f"{1 + int(rng.random() * 9899)} {pick(rng, pools.streets)}"
        if rng.random() < 0.2:
            line = f"{line} Apt {1 + int(rng.random() * 39)}{pick(rng, 'ABCD')}"
        city, state = pick(rng, pools.cities)
        return Address(line, city, state, f"{1000 + int(rng.random() * 98950):05d}")

    def phone(self) -> str:
        n, self._phone_count = self._phone_count, self._phone_count + 1
        return POPULATION_PHONES[self._phones(n % len(POPULATION_PHONES))]

    def email(self, given_latin: str, family_latin: str, serial: int) -> str:
        name = ".".join(
            t for t in (scripts.email_token(given_latin), scripts.email_token(family_latin)) if t
        )
        return f"{name or 'patient'}.{serial}@{pick(self._rng, EMAIL_DOMAINS)}"

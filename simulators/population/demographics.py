"""Drawing one person's demographics from the seed's pools with a ``random.Random``.

Phones come from the population half of the fictitious phone space through a seeded
permutation: unique per draw until the space (35,600 numbers) is spent, after which numbers
are reused by unrelated persons, as telephone companies recycle numbers.
"""

from __future__ import annotations

import random
from bisect import bisect
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
_PHONE_COUNT = len(POPULATION_PHONES)
_new_tuple = tuple.__new__  # a NamedTuple's own __new__ is Python code around this


class Demographics:
    """Draws names, dates, addresses, phones and emails; holds no person state."""

    __slots__ = ("_as_of", "_phone_count", "_phones", "_pools", "_rng")

    def __init__(self, pools: Pools, rng: random.Random, as_of: date) -> None:
        self._pools, self._rng, self._as_of = pools, rng, as_of.toordinal()
        self._phones = Permutation("population phones", len(POPULATION_PHONES), rng)
        self._phone_count = 0

    def locale(self) -> LocalePool:
        pools = self._pools  # pools.pick_locale(), inlined: one draw per unit
        weights = pools.cum_weights
        return pools.locales[bisect(weights, self._rng.random() * weights[-1])]

    def sex(self) -> str:
        return "female" if self._rng.random() < 0.5 else "male"

    def given(self, locale: LocalePool, sex: str, avoid: str | None = None) -> NamePair:
        names = locale.female if sex == "female" else locale.male
        if avoid is None:  # pick(), inlined: the common case draws once
            return names[int(self._rng.random() * len(names))]
        return self._name(names, avoid)

    def family(self, locale: LocalePool, sex: str, avoid: str | None = None) -> NamePair:
        names = locale.family_female if sex == "female" else locale.family_male
        if avoid is None:
            return names[int(self._rng.random() * len(names))]
        return self._name(names, avoid)

    def _name(self, names: tuple[NamePair, ...], avoid: str) -> NamePair:
        rand, size = self._rng.random, len(names)
        choice = names[int(rand() * size)]
        for _ in range(8):  # a twin's name differs from the other twin's
            if choice[0] != avoid:
                break
            choice = names[int(rand() * size)]
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
        rand, pools = self._rng.random, self._pools
        streets, cities = pools.streets, pools.cities
        line = f"{1 + int(rand() * 9899)} {streets[int(rand() * len(streets))]}"
        if rand() < 0.2:
            line = f"{line} Apt {1 + int(rand() * 39)}{'ABCD'[int(rand() * 4)]}"
        city, state = cities[int(rand() * len(cities))]
        postcode = "%05d" % (1000 + int(rand() * 98950))  # noqa: UP031 (see gt_id)
        return _new_tuple(Address, (line, city, state, postcode))  # Address(...), minus __new__

    def phone(self) -> str:
        n, self._phone_count = self._phone_count, self._phone_count + 1
        return POPULATION_PHONES[self._phones(n % _PHONE_COUNT)]

    def email(self, given_latin: str, family_latin: str, serial: int) -> str:
        first, last = scripts.email_token(given_latin), scripts.email_token(family_latin)
        name = f"{first}.{last}" if first and last else first or last
        domain = EMAIL_DOMAINS[int(self._rng.random() * 3)]  # pick(), inlined
        return f"{name or 'patient'}.{serial}@{domain}"

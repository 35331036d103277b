"""Synthetic people for the personas, and the cohort they share in one Locust process.

Every value a persona writes is unique in the run (emails carry the process's salt, phones come
from the process's own area code, family names end in the process's own syllable), so a value
seen in a target system traces to one write. The
values are already canonical (lowercase emails, E.164 phones): what arrives is what was sent.

    people = People(seed=7, salt="w1", area=0)
    ana = people.new()                       # Person(given=..., email="p1.w1@load.example.org")
    cohort.add(ana); cohort.take("charted")  # a person no other user is editing
"""

from __future__ import annotations

import itertools
import random
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Final

_GIVEN: Final = (
    "Ana", "Bilal", "Chioma", "Dmitri", "Esme", "Farid", "Greta", "Hiro", "Ines", "Jonah",
    "Kaia", "Lior", "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tala",
)  # fmt: skip
_SYLLABLES: Final = (
    "bar", "cel", "dun", "fen", "gor", "hal", "kes", "lom", "mir", "nov",
    "pel", "quin", "ros", "sal", "tor", "ul", "vak", "wen", "yar", "zel",
)  # fmt: skip
_AREAS: Final = ("212", "312", "415", "617", "646", "718", "917", "303", "206", "512")
EMAIL_DOMAIN: Final = "load.example.org"


@dataclass(eq=False)
class Person:
    """One synthetic person and where each system keeps them (ids learned as the run goes)."""

    serial: int
    given: str
    family: str
    birth_date: str
    email: str
    phone: str
    account: str | None = None
    contact: str | None = None
    patient: str | None = None
    consent: bool = False
    approved: bool = False
    stage: str = "new"
    """new → signed_up (portal, CRM contact seen) → charted (also in the EHR)."""

    @property
    def legal_name(self) -> str:
        return f"{self.family}, {self.given}"


@dataclass
class People:
    """Unique synthetic people and values for one Locust process."""

    seed: int
    salt: str
    area: int = 0
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _phones: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _names: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def new(self) -> Person:
        n = next(self._serial)
        family = self.family_name()
        year, month, day = (self._random.randint(1950, 2004), self._random.randint(1, 12),
                            self._random.randint(1, 28))  # fmt: skip
        return Person(
            serial=n, given=self._random.choice(_GIVEN), family=family,
            birth_date=f"{year:04d}-{month:02d}-{day:02d}", email=self.email(n),
            phone=self.phone(),
        )  # fmt: skip

    def family_name(self) -> str:
        """A family name no one else in the run has: a random syllable, then this process's
        counter and area in syllables (so it is unique across workers too)."""
        n, digits = next(self._names), []
        while True:
            n, rest = divmod(n, len(_SYLLABLES))
            digits.append(_SYLLABLES[rest])
            if n == 0:
                break
        tail = _SYLLABLES[self.area % len(_SYLLABLES)]
        return (self._random.choice(_SYLLABLES) + "".join(digits) + tail).capitalize()

    def email(self, n: int | None = None) -> str:
        n = n if n is not None else 10_000_000 + next(self._serial)
        return f"p{n}.{self.salt}@{EMAIL_DOMAIN}"

    def phone(self) -> str:
        """A new E.164 number: this process's area code, exchange 200-999, line 0000-9999."""
        n = next(self._phones)
        exchange, line = 200 + (n // 10_000) % 800, n % 10_000
        return f"+1{_AREAS[self.area % len(_AREAS)]}{exchange:03d}{line:04d}"

    def chance(self, p: float) -> bool:
        return self._random.random() < p

    def pick(self, n: int) -> int:
        return self._random.randrange(n)


class Cohort:
    """The people of one process by stage; ``take`` lends one out so that no two users edit
    the same person at once (concurrent edits of one field are the conflict scenarios' job,
    not the load's), ``give_back`` returns it."""

    def __init__(self) -> None:
        self._free: dict[str, deque[Person]] = {}
        self._lock = threading.Lock()

    def add(self, person: Person) -> None:
        with self._lock:
            self._free.setdefault(person.stage, deque()).append(person)

    def take(self, stage: str) -> Person | None:
        with self._lock:
            free = self._free.get(stage)
            return free.popleft() if free else None

    def give_back(self, person: Person) -> None:
        self.add(person)

    def size(self, stage: str) -> int:
        with self._lock:
            return len(self._free.get(stage, ()))

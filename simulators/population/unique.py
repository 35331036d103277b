"""Unique values for the writes actors make, so every observed value traces to one write.

``UniqueValues(seed)`` hands out, per field, values that no other call of the same instance
(and no generated population) ever produces: text values embed a value id, phones come from
the half of the fictitious phone space the population never uses, emails use a prefix no
generated email has. Parallel actors pass ``worker``/``workers`` to split the space.

>>> uv = UniqueValues(seed=7)
>>> v = uv.next("medication_plan")
>>> v.value_id, v.value
('uv-a582-0-000001', 'semaglutide 0.25 mg weekly [uv-a582-0-000001]')
>>> uv.next("phone").value
'+14205550186'
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from typing import NamedTuple

from simulators.population import program
from simulators.population.errors import PoolExhaustedError, PopulationConfigError
from simulators.population.identifiers import Permutation
from simulators.population.phones import WRITE_PHONES

__all__ = ["UniqueValue", "UniqueValues"]

_BASE_GIVEN = ("Ana", "Ben", "Cora", "Dev", "Eli", "Fay", "Gus", "Hana", "Ira", "Jo", "Kai", "Lea")
_BASE_FAMILY = ("Moreau", "Okafor", "Petrov", "Quinn", "Rossi", "Sato", "Tran", "Vega", "Weiss")
_STREETS = ("Alder Way", "Birch Row", "Cedar Loop", "Dogwood Ct", "Elm Terrace", "Fir Lane")
_LETTERS = "bcdfghjklmnpqrstvwxz"  # consonants: codes never spell a word


class UniqueValue(NamedTuple):
    field: str
    value: str
    value_id: str  # ``uv-<seed tag>-<worker>-<n>``: the id a history records for the write


def _code(n: int) -> str:
    """``n`` in base 20 over consonants, e.g. 0 -> 'b', 21 -> 'cc'."""
    out = _LETTERS[n % 20]
    while n >= 20:
        n = n // 20 - 1
        out = _LETTERS[n % 20] + out
    return out


class UniqueValues:
    """Deterministic per-field generator of values unique within the instance."""

    FIELDS: tuple[str, ...] = (
        "given_name",
        "family_name",
        "preferred_name",
        "phone",
        "email",
        "address_line",
        "medication_plan",
        "diagnosis_note",
    )

    def __init__(self, seed: int, *, worker: int = 0, workers: int = 1) -> None:
        if not 0 <= worker < workers:
            raise PopulationConfigError(
                f"worker {worker} is not within range(workers={workers}); number workers from 0"
            )
        self._tag = hashlib.sha256(f"unique-values:{seed}".encode()).hexdigest()[:4]
        self._worker, self._workers = worker, workers
        self._phones = Permutation("write phones", len(WRITE_PHONES), random.Random(seed))
        self._counts: dict[str, int] = {}
        self._makers: dict[str, Callable[[int, str], str]] = {
            "given_name": lambda k, vid: f"{_BASE_GIVEN[k % 12]}-{_code(k).capitalize()}",
            "preferred_name": lambda k, vid: f"{_BASE_GIVEN[k % 12]}{_code(k).capitalize()}",
            "family_name": lambda k, vid: f"{_BASE_FAMILY[k % 9]}-{_code(k).capitalize()}",
            "phone": self._phone,
            "email": lambda k, vid: f"uv.{self._tag}.{k}@example.net",
            "address_line": lambda k, vid: f"{k % 9000 + 1} {_STREETS[k % 6]} Unit {vid}",
            "medication_plan": _medication_plan,
            "diagnosis_note": lambda k, vid: f"Follow-up note [{vid}]: tolerating dose",
        }

    def next(self, field: str) -> UniqueValue:
        """A value for ``field`` that this instance has never returned before."""
        maker = self._makers.get(field)
        if maker is None:
            raise PopulationConfigError(
                f"field {field!r} has no unique-value generator; use one of {self.FIELDS}"
            )
        n = self._counts.get(field, 0)
        self._counts[field] = n + 1
        value_id = f"uv-{self._tag}-{self._worker}-{n + 1:06d}"
        # k interleaves the workers, so no two workers ever make the same value.
        return UniqueValue(field, maker(n * self._workers + self._worker, value_id), value_id)

    def _phone(self, k: int, value_id: str) -> str:
        if k >= len(WRITE_PHONES):
            raise PoolExhaustedError(
                f"the write phone pool ({len(WRITE_PHONES)} fictitious numbers) is spent for "
                f"worker {self._worker} of {self._workers}; write fewer phones or split less"
            )
        return WRITE_PHONES[self._phones(k)]


def _medication_plan(k: int, value_id: str) -> str:
    drug, doses, frequency = program.REGIMENS[k % len(program.REGIMENS)]
    dose = doses[(k // len(program.REGIMENS)) % len(doses)]
    return f"{drug} {dose} mg {frequency} [{value_id}]"
